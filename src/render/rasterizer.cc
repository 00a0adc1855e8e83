// placeholder until the rasterizer lands
