"""Command-line options shared by the exporters (standard library only)."""


def add_sdpa_option(parser):
    """--no-sdpa (the default: files that LibTorch 1.13 loads) / --sdpa (needs LibTorch >= 2.0).

    Sets args.no_sdpa. scaled_dot_product_attention does not exist in
    LibTorch 1.13 (Debian's libtorch, what scenescape builds against there),
    so the default writes attention as matmul + softmax. --sdpa keeps
    PyTorch 2.x's fused attention: faster, but such files only load in a
    LibTorch >= 2.0 build of scenescape.
    """
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--no-sdpa", dest="no_sdpa", action="store_true", default=True,
                   help="(default) attention without scaled_dot_product_attention, so that LibTorch 1.13 "
                   "(Debian's libtorch) loads the files; refuses to write a file with an operator it lacks")
    g.add_argument("--sdpa", dest="no_sdpa", action="store_false",
                   help="keep PyTorch 2.x's scaled_dot_product_attention (faster; the files then need a "
                   "scenescape built against LibTorch >= 2.0)")
