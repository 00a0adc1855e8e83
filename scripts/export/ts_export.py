"""TorchScript helpers shared by scenescape's exporters (export_*.py).

Needs PyTorch (>= 1.13; 2.x recommended). Not run by the scenescape build or
tests: these are tools that users run where PyTorch is installed.

What every exported file goes through (export_module):
  1. eager reference outputs are computed first, for every check input;
  2. torch.jit.trace(check_trace=False) under no_grad, TracerWarnings counted;
  3. the graph is inlined into one flat forward (parameter names are kept,
     so "decoder.*" still names the VAE decoder's parameters);
  4. device portability: traced graphs bake the tracing device into every
     tensor factory call (torch.arange(..., device="cuda:0")); each Device
     constant is replaced by prim::device(<first tensor input>), so a file
     traced on a GPU runs on the CPU and vice versa;
  5. dtype portability (float16 exports only): traced graphs also bake
     dtype=float16 into casts and factories (x.to(torch.float16),
     torch.empty(..., dtype=torch.float16)). scenescape's C++ loader casts
     every floating-point parameter to float32 on the CPU and for fine-tuning,
     so each such dtype argument is replaced by prim::dtype(<first float16
     value in the graph>); the intentional float32 computations (timestep
     embeddings, softmax upcasts) keep their float32 constant;
  6. op check: scaled_dot_product_attention is looked for, and every op is
     compared with LibTorch 1.13's operator list (libtorch_1_13_ops.txt);
  7. saved to <file>.tmp, reloaded with torch.jit.load and compared with the
     eager outputs (max abs diff printed) on the export device, then once
     more on the CPU in float32 (what the C++ side does without a GPU);
  8. renamed into place only when every check passed.
"""

import gc
import os
import sys
import time
import warnings

if __name__ == "__main__" and any(a in ("-h", "--help") for a in sys.argv[1:]):
    print("usage: ts_export.py [--write-op-list]\n\nTorchScript helpers for export_*.py (a library; needs PyTorch).\n"
          "--write-op-list  rewrite libtorch_1_13_ops.txt from the running PyTorch (use PyTorch 1.13)")
    sys.exit(0)

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OP_LIST = os.path.join(HERE, "libtorch_1_13_ops.txt")

# c10::ScalarType codes as they appear in TorchScript graphs.
SCALAR_TYPE_CODE = {torch.float16: 5, torch.float32: 6, torch.bfloat16: 15}
SCALAR_TYPE_NAME = {torch.float16: "Half", torch.float32: "Float", torch.bfloat16: "BFloat16"}
DTYPE_NAME = {torch.float16: "float16", torch.float32: "float32", torch.bfloat16: "bfloat16"}

# Ops a LibTorch 1.13 file must not contain (also caught by the op list).
SDPA_OPS = ("aten::scaled_dot_product_attention", "aten::_scaled_dot_product")


class ExportError(RuntimeError):
    """A check failed; the message says which file and why."""


def log(msg=""):
    print(msg, flush=True)


def human_size(nbytes):
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1000 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.2f} {unit}"
        nbytes /= 1000.0
    return f"{nbytes:.2f} GB"


def folder_size(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def pick_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ExportError("--device cuda: PyTorch sees no CUDA device")
    return dev


def resolve_dtype(name, device):
    """'auto' -> float16 on CUDA, float32 on the CPU."""
    if name == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return {"float16": torch.float16, "float32": torch.float32}[name]


def free_memory():
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def peak_memory_note(device):
    if device.type == "cuda":
        return f"peak GPU memory {human_size(torch.cuda.max_memory_allocated(device))}"
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return f"peak process RAM {human_size(kb * 1024)}"
    except Exception:  # pragma: no cover - non-POSIX
        return "peak memory unknown"


def set_trainable(module, predicate):
    """requires_grad = predicate(name) for every parameter. Returns (trainable, total) counts."""
    n_train = n_total = 0
    for name, p in module.named_parameters():
        flag = bool(predicate(name))
        p.requires_grad_(flag)
        n_total += p.numel()
        n_train += p.numel() if flag else 0
    return n_train, n_total


# --------------------------------------------------------------------------
# Tracing and graph rewriting


def _to(obj, device=None, dtype=None):
    """Moves tensors (floating ones also cast to dtype) in nested tuples/lists."""
    if isinstance(obj, torch.Tensor):
        if dtype is not None and obj.is_floating_point():
            return obj.to(device=device, dtype=dtype)
        return obj.to(device=device)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, device, dtype) for o in obj)
    return obj


def trace(module, inputs, verbose=False):
    """torch.jit.trace without the (slow, flaky) trace check; returns (traced, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", torch.jit.TracerWarning)
        with torch.no_grad():
            traced = torch.jit.trace(module, tuple(inputs), check_trace=False)
    tracer = [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)]
    unique = sorted({str(w.message).splitlines()[0] for w in tracer})
    if verbose:
        for msg in unique:
            log(f"    TracerWarning: {msg}")
    for w in caught:  # re-emit the others
        if not issubclass(w.category, torch.jit.TracerWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return traced, unique


def inline(traced):
    """Inlines every submodule call into the top-level forward (in place)."""
    torch._C._jit_pass_inline(traced.graph)


def _first_node(graph):
    for node in graph.nodes():
        return node
    return None


def make_device_portable(traced):
    """Replaces Device constants by prim::device(first tensor input). Returns how many."""
    graph = traced.graph
    tensor_inputs = [v for v in graph.inputs() if v.type().kind() == "TensorType"]
    consts = [
        n
        for n in graph.nodes()
        if n.kind() == "prim::Constant"
        and n.outputsSize() == 1
        and n.output().type().kind() == "DeviceObjType"
    ]
    if not consts:
        return 0
    if not tensor_inputs:
        raise ExportError("graph has Device constants but no tensor input to take the device from")
    node = graph.create("prim::device", [tensor_inputs[0]])
    node.output().setType(torch._C.DeviceObjType.get())
    node.insertBefore(_first_node(graph))
    for c in consts:
        c.output().replaceAllUsesWith(node.output())
        c.destroy()
    return len(consts)


def _schema_arguments(node):
    text = node.schema()
    if not text or text == "(no schema)":
        return None
    try:
        return torch._C.parse_schema(text).arguments
    except Exception:
        return None


def _is_float_value(value, scalar_name):
    t = value.type()
    return t.kind() == "TensorType" and t.scalarType() == scalar_name


def _param_values(traced, graph):
    """Values of the graph that are prim::GetAttr reads of floating parameters -> the tensor."""
    self_value = next(iter(graph.inputs()))
    objects = {self_value.unique(): traced}
    params = {}
    for node in graph.nodes():
        if node.kind() != "prim::GetAttr":
            continue
        owner = objects.get(node.input().unique())
        if owner is None:
            continue
        try:
            obj = getattr(owner, node.s("name"))
        except Exception:
            continue
        out = node.output()
        if isinstance(obj, torch.Tensor):
            if obj.is_floating_point():
                params[out.unique()] = obj
        else:
            objects[out.unique()] = obj
    return params


def make_dtype_portable(traced, dtype):
    """Replaces `dtype=<traced float dtype>` constants by prim::dtype(anchor). Returns how many.

    The anchor is the first value of the graph that has the traced dtype
    because the module's dtype put it there: a float16 input or intermediate,
    or a float16 parameter read. Everything that later casts "to float16"
    then casts to whatever dtype the module runs in.
    """
    if dtype == torch.float32:
        return 0
    code = SCALAR_TYPE_CODE[dtype]
    name = SCALAR_TYPE_NAME[dtype]
    graph = traced.graph
    params = _param_values(traced, graph)

    anchor = None  # (value, node to insert after or None for graph start)
    for v in graph.inputs():
        if _is_float_value(v, name):
            anchor = (v, None)
            break
    uses = []  # (node, input index)
    dtype_node = None
    for node in list(graph.nodes()):
        args = _schema_arguments(node)
        if args is not None:
            for i, arg in enumerate(args):
                if arg.name != "dtype" or i >= node.inputsSize():
                    continue
                inp = node.inputsAt(i)
                src = inp.node()
                if src.kind() != "prim::Constant" or inp.type().kind() != "IntType":
                    continue
                if inp.toIValue() != code:
                    continue
                uses.append((node, i))
        if anchor is None:
            for out in node.outputs():
                if _is_float_value(out, name) or out.unique() in params:
                    if out.unique() in params and params[out.unique()].dtype != dtype:
                        continue
                    anchor = (out, node)
                    break
            if anchor is not None and uses:
                # A use came before any value of the module's dtype existed.
                raise ExportError(
                    f"cannot make the graph dtype-portable: {uses[0][0].kind()} uses dtype={name} "
                    "before any value of that dtype exists"
                )
    if not uses:
        return 0
    if anchor is None:
        raise ExportError(f"cannot make the graph dtype-portable: no {name} value to take the dtype from")
    value, after = anchor
    dnode = graph.create("prim::dtype", [value])
    dnode.output().setType(torch._C.IntType.get())
    if after is None:
        dnode.insertBefore(_first_node(graph))
    else:
        dnode.insertAfter(after)
    for node, i in uses:
        node.replaceInput(i, dnode.output())
    # Constants left without uses are harmless; drop them to keep the code tidy.
    torch._C._jit_pass_dce(graph)
    return len(uses)


def leftover_dtype_tensors(traced, dtype):
    """Tensor constants of the traced dtype (they would not follow a cast to float32)."""
    if dtype == torch.float32:
        return 0
    name = SCALAR_TYPE_NAME[dtype]
    n = 0
    for node in traced.graph.nodes():
        if node.kind() == "prim::Constant" and node.outputsSize() == 1 and _is_float_value(node.output(), name):
            n += 1
    return n


def graph_ops(traced):
    """{op name with overload: (count, max number of inputs)} for ops with a schema."""
    ops = {}
    for node in traced.graph.nodes():
        text = node.schema()
        if not text or text == "(no schema)":
            continue
        op = text.split("(", 1)[0]
        count, nargs = ops.get(op, (0, 0))
        ops[op] = (count + 1, max(nargs, node.inputsSize()))
    return ops


def load_op_list(path=OP_LIST):
    known = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            op, nargs = line.rsplit(" ", 1)
            known[op] = int(nargs)
    return known


def check_ops(ops, path=OP_LIST):
    """Compares graph ops with LibTorch 1.13. Returns (missing, warnings) as lists of strings."""
    known = load_op_list(path)
    bases = {}
    for op, nargs in known.items():
        base = op.split(".", 1)[0]
        bases[base] = max(bases.get(base, 0), nargs)
    missing, notes = [], []
    for op, (count, nargs) in sorted(ops.items()):
        base = op.split(".", 1)[0]
        if op in known:
            if nargs > known[op]:
                notes.append(f"{op}: called with {nargs} arguments, LibTorch 1.13 takes {known[op]}")
        elif base in bases:
            notes.append(f"{op}: overload not in LibTorch 1.13 (the name is; it may still resolve)")
        else:
            missing.append(f"{op} (x{count})")
    return missing, notes


def write_op_list(path=OP_LIST):
    """Writes the running PyTorch's operator list (generate it with PyTorch 1.13)."""
    skip_ns = ("prims", "nvprims", "_test", "static_runtime", "profiler")
    ops = {}
    for s in torch._C._jit_get_all_schemas():
        ns = s.name.split("::", 1)[0]
        over = s.overload_name
        if ns in skip_ns or "backward" in s.name or over == "out" or over.endswith("_out") or over.startswith("out"):
            continue
        op = s.name + ("." + over if over else "")
        ops[op] = max(ops.get(op, 0), len(s.arguments))
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# TorchScript operators of PyTorch {torch.__version__} (name.overload max_arguments).\n")
        f.write("# Generated by: python3 ts_export.py --write-op-list (with Debian's python3-torch 1.13.1,\n")
        f.write("# the same build as Debian's libtorch 1.13). .out/backward overloads are left out.\n")
        for op in sorted(ops):
            f.write(f"{op} {ops[op]}\n")
    return len(ops)


# --------------------------------------------------------------------------
# Export with verification


def _compare(ref, out):
    if not isinstance(out, torch.Tensor):
        return None, f"output is {type(out).__name__}, not a tensor"
    if tuple(out.shape) != tuple(ref.shape):
        return None, f"shape {list(out.shape)}, eager gives {list(ref.shape)}"
    out = out.detach().float().cpu()
    if not torch.isfinite(out).all():
        return None, "output has NaN or Inf"
    diff = (out - ref).abs().max().item() if ref.numel() else 0.0
    scale = max(ref.abs().max().item() if ref.numel() else 0.0, 1e-6)
    return (diff, diff / scale), None


class Check:
    """One verification input: a label and the forward's inputs (float tensors in the export dtype)."""

    def __init__(self, label, inputs):
        self.label = label
        self.inputs = tuple(inputs)


def export_module(
    name,
    module,
    trace_inputs,
    checks,
    path,
    *,
    device,
    dtype,
    no_sdpa,
    portable_checks=(),
    expect_shape=None,
    verbose=False,
    keep_float32_inputs=(),
):
    """Traces `module` (already on device, in dtype, eval mode) and writes `path`.

    trace_inputs: tuple of example inputs. checks / portable_checks: Check
    lists; portable checks run on the CPU in float32 (like the C++ side).
    expect_shape(inputs, output) -> error string or None: the contract.
    keep_float32_inputs: indices of inputs that stay float32 whatever the
    dtype (the UNet's timestep). Returns the file size in bytes.
    """
    t0 = time.time()
    log(f"[{name}] tracing {os.path.basename(path)} on {device} in {DTYPE_NAME[dtype]}")
    module.eval()

    def cast_inputs(inputs, dev, dt):
        out = []
        for i, x in enumerate(inputs):
            if isinstance(x, torch.Tensor) and x.is_floating_point():
                x = x.to(device=dev, dtype=torch.float32 if i in keep_float32_inputs else dt)
            elif isinstance(x, torch.Tensor):
                x = x.to(device=dev)
            out.append(x)
        return tuple(out)

    # 1. Eager references.
    refs = {}
    with torch.no_grad():
        for c in list(checks) + list(portable_checks):
            y = module(*cast_inputs(c.inputs, device, dtype))
            if expect_shape is not None:
                err = expect_shape(c.inputs, y)
                if err:
                    raise ExportError(f"{name}: the eager module breaks the contract on {c.label}: {err}")
            refs[id(c)] = y.detach().float().cpu()
            del y

    # 2-5. Trace and rewrite.
    traced, tracer_warnings = trace(module, cast_inputs(trace_inputs, device, dtype), verbose)
    inline(traced)
    n_dev = make_device_portable(traced)
    n_dt = make_dtype_portable(traced, dtype)
    n_left = leftover_dtype_tensors(traced, dtype)
    log(
        f"[{name}] traced in {time.time() - t0:.0f} s: {len(tracer_warnings)} distinct TracerWarnings"
        f"{'' if verbose else ' (--verbose lists them)'}; {n_dev} device and {n_dt} dtype constants made portable"
    )
    if n_left:
        log(f"[{name}] WARNING: {n_left} {DTYPE_NAME[dtype]} tensor constants remain; running in float32 may fail")

    # 6. Ops.
    ops = graph_ops(traced)
    sdpa = sorted(op for op in ops if op.startswith(SDPA_OPS))
    missing, notes = check_ops(ops)
    if sdpa and no_sdpa:
        raise ExportError(
            f"{name}: --no-sdpa was given but the graph still calls {', '.join(sdpa)}; "
            "a library version that this script does not know how to switch off SDPA for?"
        )
    if missing:
        msg = f"{name}: ops unknown to LibTorch 1.13: {', '.join(missing)}"
        if no_sdpa:
            raise ExportError(msg + " (--no-sdpa asks for a file that LibTorch 1.13 loads)")
        log(f"[{name}] note: needs LibTorch >= 2.0 ({msg}); without --sdpa the exporters write files for LibTorch 1.13")
    else:
        log(f"[{name}] all {len(ops)} distinct ops are known to LibTorch 1.13")
    for n in notes:
        log(f"[{name}] op note: {n}")

    # 7. Save (CPU tensors), reload, compare.
    tmp = path + ".tmp"
    traced.cpu()
    torch.jit.save(traced, tmp)
    del traced
    free_memory()
    try:
        _verify(name, tmp, checks, refs, device, dtype, cast_inputs, tol=1e-2 if dtype != torch.float32 else 1e-3)
        if portable_checks and not (device.type == "cpu" and dtype == torch.float32):
            _verify(
                name,
                tmp,
                portable_checks,
                refs,
                torch.device("cpu"),
                torch.float32,
                cast_inputs,
                tol=1e-1 if dtype != torch.float32 else 1e-2,
                cast_module=True,
            )
    except Exception:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    os.replace(tmp, path)
    size = os.path.getsize(path)
    log(f"[{name}] wrote {path} ({human_size(size)}) in {time.time() - t0:.0f} s; {peak_memory_note(device)}")
    return size


def _verify(name, path, checks, refs, device, dtype, cast_inputs, tol, cast_module=False):
    where = f"{device.type}/{DTYPE_NAME[dtype]}"
    loaded = torch.jit.load(path, map_location=device)
    if cast_module:
        loaded = loaded.to(dtype)
    loaded.eval()
    worst = 0.0
    with torch.no_grad():
        for c in checks:
            try:
                y = loaded(*cast_inputs(c.inputs, device, dtype))
            except Exception as e:  # the TorchScript error is long; keep its first lines
                first = "\n".join(str(e).strip().splitlines()[-3:])
                raise ExportError(f"{name}: the saved file fails on {where}, {c.label}: {first}") from None
            res, err = _compare(refs[id(c)], y)
            if err:
                raise ExportError(f"{name}: the saved file on {where}, {c.label}: {err}")
            diff, rel = res
            log(f"[{name}] reload check {where:>13} {c.label:<34} max abs diff {diff:.3g} (relative {rel:.2g})")
            worst = max(worst, rel)
            if rel > tol:
                raise ExportError(
                    f"{name}: the saved file on {where} differs from the eager model on {c.label}: "
                    f"max abs diff {diff:.3g}, {rel:.2g} of the output range (limit {tol:g})"
                )
    del loaded
    free_memory()
    return worst


# --------------------------------------------------------------------------
# Attention without scaled_dot_product_attention


def disable_timm_fused_attn():
    """timm >= 0.9 reads TIMM_FUSED_ATTN when its modules are built; set before importing timm."""
    os.environ["TIMM_FUSED_ATTN"] = "0"
    try:
        import timm.layers as tl  # noqa: F401

        if hasattr(tl, "set_fused_attn"):
            tl.set_fused_attn(False)
    except Exception:
        pass


def disable_fused_attn_attributes(module):
    """Switches off per-module SDPA flags (timm's Attention.fused_attn). Returns how many."""
    n = 0
    for m in module.modules():
        if getattr(m, "fused_attn", None) is True:
            m.fused_attn = False
            n += 1
    return n


def set_eager_attention(hf_model):
    """transformers: attention as matmul + softmax (config._attn_implementation = "eager")."""
    for m in hf_model.modules():
        cfg = getattr(m, "config", None)
        if cfg is not None and hasattr(cfg, "_attn_implementation"):
            try:
                cfg._attn_implementation = "eager"
            except Exception:
                pass
    if hasattr(hf_model, "set_attn_implementation"):
        try:
            hf_model.set_attn_implementation("eager")
        except Exception:
            pass


def hf_from_pretrained(cls, name, no_sdpa, **kwargs):
    """cls.from_pretrained with attn_implementation="eager" when asked (older transformers lack it)."""
    if no_sdpa:
        try:
            model = cls.from_pretrained(name, attn_implementation="eager", **kwargs)
        except TypeError:
            model = cls.from_pretrained(name, **kwargs)
        set_eager_attention(model)
        return model
    return cls.from_pretrained(name, **kwargs)


# --------------------------------------------------------------------------
# Tokenizer files


def write_tokenizer_files(tokenizer, out_dir, vocab_name, merges_name):
    """Writes vocab.json + merges.txt (Hugging Face layout) under the given names and checks them."""
    import json
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        files = tokenizer.save_vocabulary(tmp)
        vocab = next((f for f in files if f.endswith("vocab.json")), None)
        merges = next((f for f in files if f.endswith("merges.txt")), None)
        if not vocab or not merges:
            raise ExportError(f"tokenizer {type(tokenizer).__name__} did not write vocab.json and merges.txt: {files}")
        with open(vocab, encoding="utf-8") as f:
            table = json.load(f)
        for special in ("<|startoftext|>", "<|endoftext|>"):
            if special not in table:
                raise ExportError(f"tokenizer vocabulary has no {special}: not a CLIP BPE tokenizer")
        with open(merges, encoding="utf-8") as f:
            first = f.readline()
        if not first.startswith("#version"):
            raise ExportError(f"{merges}: first line is {first.strip()!r}, expected '#version: ...'")
        shutil.copyfile(vocab, os.path.join(out_dir, vocab_name))
        shutil.copyfile(merges, os.path.join(out_dir, merges_name))
    return table


def tokenizer_section(tokenizer, table, vocab_name, merges_name):
    context = getattr(tokenizer, "model_max_length", 77)
    if not isinstance(context, int) or context > 4096:  # "very large" = unset
        context = 77
    pad = tokenizer.pad_token_id
    if pad is None:
        pad = tokenizer.eos_token_id
    if pad is None or pad not in set(table.values()):
        raise ExportError(f"tokenizer pad id {pad!r} is not an id of its vocabulary")
    return {"vocab": vocab_name, "merges": merges_name, "context_length": int(context), "pad_id": int(pad)}


def example_ids(batch, length, vocab_size, start_id, end_id, pad_id, seed=0):
    """[batch, length] int64 prompts: start, random tokens of varying length, end, padding."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((batch, length), pad_id, dtype=torch.int64)
    for b in range(batch):
        n = 3 + (b * 11) % max(1, length - 5)
        ids[b, 0] = start_id
        ids[b, 1 : 1 + n] = torch.randint(0, min(vocab_size, 49406) - 1, (n,), generator=g)
        ids[b, 1 + n] = end_id
    return ids


def seeded_randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g)


def run_main(run, args, *expected):
    """Runs run(args, this module); known failures print one line, others a short hint."""
    import traceback

    this = sys.modules[__name__]
    try:
        run(args, this)
    except (ExportError, ValueError, *expected) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (RuntimeError, OSError) as e:
        if getattr(args, "verbose", False):
            traceback.print_exc()
        lines = [l for l in str(e).strip().splitlines() if l.strip()]
        msg = lines[-1] if lines else type(e).__name__
        print(f"error: {type(e).__name__}: {msg}", file=sys.stderr)
        if "not implemented for 'Half'" in str(e):
            print("hint: this PyTorch has no float16 kernels on the CPU; use a CUDA GPU or --dtype float32",
                  file=sys.stderr)
        elif "out of memory" in str(e).lower():
            print("hint: out of memory; try --device cpu (slower, uses RAM) or a smaller model", file=sys.stderr)
        elif not getattr(args, "verbose", False):
            print("(run with --verbose for the full traceback)", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(description="scenescape TorchScript export helpers (a library for export_*.py).")
    p.add_argument("--write-op-list", action="store_true", help=f"write {OP_LIST} from the running PyTorch")
    args = p.parse_args(argv)
    if args.write_op_list:
        n = write_op_list()
        log(f"wrote {n} operators of PyTorch {torch.__version__} to {OP_LIST}")
    else:
        p.print_help()


if __name__ == "__main__":
    sys.exit(main())
