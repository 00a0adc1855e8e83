#!/usr/bin/env python3
"""Reads, validates, merges and writes a scenescape model folder's manifest.json.

Torch-free (Python 3.8+, standard library only). The exporters call
merge_section() so that each of them fills its own section of one folder;
run it directly to check a folder or a manifest file:

    python3 scripts/export/manifest.py DIR                 # DIR/manifest.json + the files it names
    python3 scripts/export/manifest.py --no-files FILE.json  # the JSON only

The rules are those of the C++ loader (src/models/manifest.cc, schema
"scenescape-models/1"): unknown keys are errors; file names are required and
must name existing files (relative to the folder); every other key may be
left out and then takes the reference's value (SD-2 inpainting, MiDaS
DPT-Large, OpenAI CLIP). The "tokenizer" object is required in "inpainter"
and "clip"; "scheduler" is optional. Integers must be JSON integers (1, not
1.0); true/false are not numbers.
"""

import argparse
import json
import os
import sys
import tempfile

FORMAT = "scenescape-models/1"
INT32_MAX = 2**31 - 1

# Key -> (kind, required, extra). Kinds: "file", "int", "int64", "number", "bool",
# "choice" (extra = allowed strings), "vec3", "object" (extra = nested spec).
TOKENIZER = {
    "vocab": ("file", True, None),
    "merges": ("file", True, None),
    "context_length": ("int", False, None),
    "pad_id": ("int64", False, None),
}
SCHEDULER = {
    "num_train_timesteps": ("int", False, None),
    "beta_schedule": ("choice", False, ("linear", "scaled_linear")),
    "beta_start": ("number", False, None),
    "beta_end": ("number", False, None),
    "prediction_type": ("choice", False, ("epsilon", "v_prediction")),
    "steps_offset": ("int", False, None),
    "set_alpha_to_one": ("bool", False, None),
    "timestep_spacing": ("choice", False, ("leading", "trailing", "linspace")),
}
INPAINTER = {
    "text_encoder": ("file", True, None),
    "unet": ("file", True, None),
    "vae_encoder": ("file", True, None),
    "vae_decoder": ("file", True, None),
    "latent_scale": ("number", False, None),
    "latent_channels": ("int", False, None),
    "vae_downsample": ("int", False, None),
    "text_embedding_dim": ("int", False, None),
    "dtype": ("choice", False, ("float16", "float32")),
    "tokenizer": ("object", True, TOKENIZER),
    "scheduler": ("object", False, SCHEDULER),
}
DEPTH = {
    "file": ("file", True, None),
    "input_size": ("int", False, None),
    "multiple_of": ("int", False, None),
    "keep_aspect_ratio": ("bool", False, None),
    "mean": ("vec3", False, None),
    "std": ("vec3", False, None),
    "output": ("choice", False, ("disparity", "depth")),
    "min_disparity": ("number", False, None),
}
CLIP = {
    "image_encoder": ("file", True, None),
    "text_encoder": ("file", True, None),
    "input_size": ("int", False, None),
    "mean": ("vec3", False, None),
    "std": ("vec3", False, None),
    "embedding_dim": ("int", False, None),
    "tokenizer": ("object", True, TOKENIZER),
}
SECTIONS = {"inpainter": INPAINTER, "depth": DEPTH, "clip": CLIP}

# The reference's values, used for range checks of keys that are left out
# (the C++ loader fills in the same ones).
DEFAULTS = {
    "scheduler.beta_start": 0.00085,
    "scheduler.beta_end": 0.012,
}

# Range rules: key path suffix -> (predicate, message). Checked on present values.
RANGES = {
    "context_length": (lambda v, o: v >= 2, "expected an integer >= 2"),
    "pad_id": (lambda v, o: v >= 0, "expected a non-negative integer"),
    "num_train_timesteps": (lambda v, o: v > 0, "expected an integer > 0"),
    "beta_start": (lambda v, o: 0 < v < 1, "expected a number in (0, 1)"),
    "beta_end": (
        lambda v, o: o.get("beta_start", DEFAULTS["scheduler.beta_start"]) < v < 1,
        "expected a number in (beta_start, 1)",
    ),
    "steps_offset": (lambda v, o: v >= 0, "expected a non-negative integer"),
    "latent_scale": (lambda v, o: v > 0, "expected a number > 0"),
    "latent_channels": (lambda v, o: v > 0, "expected an integer > 0"),
    "vae_downsample": (lambda v, o: v > 0, "expected an integer > 0"),
    "text_embedding_dim": (lambda v, o: v > 0, "expected an integer > 0"),
    "input_size": (lambda v, o: v > 0, "expected an integer > 0"),
    "multiple_of": (lambda v, o: v > 0, "expected an integer > 0"),
    "std": (lambda v, o: all(x > 0 for x in v), "expected 3 numbers > 0"),
    "min_disparity": (lambda v, o: v > 0, "expected a number > 0"),
    "embedding_dim": (lambda v, o: v > 0, "expected an integer > 0"),
}


class ManifestError(ValueError):
    pass


def _brief(value):
    s = json.dumps(value)
    return s if len(s) <= 60 else s[:57] + "..."


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_object(obj, spec, path, folder, errors):
    if not isinstance(obj, dict):
        errors.append(f"{path}: expected an object, got {_brief(obj)}")
        return
    for key in obj:
        if key not in spec:
            errors.append(f"{path + '.' if path else ''}{key}: unknown key")
    for key, (kind, required, extra) in spec.items():
        kp = f"{path}.{key}" if path else key
        if key not in obj:
            if required:
                what = "a file name relative to the model folder" if kind == "file" else "an object"
                errors.append(f"{kp}: missing ({what})")
            continue
        v = obj[key]
        if kind == "file":
            if not isinstance(v, str) or not v:
                errors.append(f"{kp}: expected a file name, got {_brief(v)}")
            elif os.path.isabs(v) or os.path.normpath(v).split(os.sep)[0] == "..":
                errors.append(f'{kp}: "{v}" is outside the model folder (expected a file name inside it)')
            elif folder is not None and not os.path.isfile(os.path.join(folder, v)):
                errors.append(f"{kp}: {os.path.join(folder, v)}: file not found")
            continue
        if kind == "int":
            if not _is_int(v) or not (-INT32_MAX - 1 <= v <= INT32_MAX):
                errors.append(f"{kp}: expected an integer, got {_brief(v)}")
                continue
        elif kind == "int64":
            if not _is_int(v):
                errors.append(f"{kp}: expected an integer, got {_brief(v)}")
                continue
        elif kind == "number":
            if not _is_number(v):
                errors.append(f"{kp}: expected a number, got {_brief(v)}")
                continue
        elif kind == "bool":
            if not isinstance(v, bool):
                errors.append(f"{kp}: expected true or false, got {_brief(v)}")
            continue
        elif kind == "choice":
            if v not in extra:
                choices = " | ".join(f'"{c}"' for c in extra)
                errors.append(f"{kp}: expected {choices}, got {_brief(v)}")
            continue
        elif kind == "vec3":
            if not isinstance(v, list) or len(v) != 3 or not all(_is_number(x) for x in v):
                errors.append(f"{kp}: expected an array of 3 numbers, got {_brief(v)}")
                continue
        elif kind == "object":
            _check_object(v, extra, kp, folder, errors)
            continue
        rule = RANGES.get(key)
        if rule and not rule[0](v, obj):
            errors.append(f"{kp}: {rule[1]}")
    # A beta_start at or above the default beta_end: the loader fails on the (defaulted) beta_end.
    if spec is SCHEDULER and "beta_end" not in obj and _is_number(obj.get("beta_start")):
        if not obj["beta_start"] < DEFAULTS["scheduler.beta_end"]:
            errors.append(f"{path}.beta_end: expected a number in (beta_start, 1)")


def validate(doc, folder=None):
    """Returns a list of error strings ("key.path: problem"); empty when valid.

    folder: when given, file names must name existing files in it.
    """
    errors = []
    if not isinstance(doc, dict):
        return ["expected a JSON object at the top level"]
    if "format" not in doc:
        errors.append(f'format: missing (expected "{FORMAT}")')
    elif doc["format"] != FORMAT:
        errors.append(f'format: expected "{FORMAT}", got {_brief(doc["format"])}')
    for key in doc:
        if key != "format" and key not in SECTIONS:
            errors.append(f"{key}: unknown key")
    for name, spec in SECTIONS.items():
        if name in doc:
            _check_object(doc[name], spec, name, folder, errors)
    return errors


def validate_section(name, section, folder=None):
    if name not in SECTIONS:
        raise ManifestError(f"unknown section {name!r} (expected one of {', '.join(SECTIONS)})")
    errors = []
    _check_object(section, SECTIONS[name], name, folder, errors)
    return errors


def manifest_path(folder):
    return os.path.join(folder, "manifest.json")


def load(folder):
    """The folder's manifest as a dict, or a fresh {"format": ...} when there is none."""
    path = manifest_path(folder)
    if not os.path.exists(path):
        return {"format": FORMAT}
    with open(path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise ManifestError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"{path}: expected a JSON object at the top level")
    return doc


def _ordered(doc):
    out = {"format": doc.get("format", FORMAT)}
    for name in SECTIONS:
        if name in doc:
            out[name] = doc[name]
    for k, v in doc.items():  # keep whatever else so that validation reports it
        if k not in out:
            out[k] = v
    return out


def write(folder, doc):
    """Writes folder/manifest.json atomically (temporary file + rename)."""
    os.makedirs(folder, exist_ok=True)
    text = json.dumps(_ordered(doc), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; a manifest is as readable as the .pt files
        os.replace(tmp, manifest_path(folder))
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return manifest_path(folder)


def merge_section(folder, name, section):
    """Replaces (or adds) one section of folder/manifest.json and validates the result.

    The new section must be valid with its files present; other sections are
    kept as they are (problems in them are reported as warnings, not fatal,
    so that a folder can be filled one exporter at a time). Returns the path.
    """
    errors = validate_section(name, section, folder)
    if errors:
        raise ManifestError("new section is invalid: " + "; ".join(errors))
    doc = load(folder)
    if doc.get("format", FORMAT) != FORMAT:
        raise ManifestError(f'{manifest_path(folder)}: format is {_brief(doc.get("format"))}, expected "{FORMAT}"')
    doc["format"] = FORMAT
    doc[name] = section
    path = write(folder, doc)
    others = [e for e in validate(doc, folder) if not e.startswith(name + ".") and not e.startswith(name + ":")]
    for e in others:
        print(f"warning: {path}: {e}", file=sys.stderr)
    missing = [s for s in SECTIONS if s not in doc]
    if missing:
        print(f"note: {path} has no {', '.join(missing)} section yet (the torch back end needs all three)")
    return path


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Validate a scenescape model folder's manifest.json (schema scenescape-models/1).",
        epilog="Exit status: 0 valid, 1 invalid, 2 unreadable.",
    )
    p.add_argument("target", help="a model folder (reads DIR/manifest.json) or a manifest .json file")
    p.add_argument("--no-files", action="store_true", help="do not check that the named files exist")
    p.add_argument("--require-all", action="store_true", help="also require inpainter, depth and clip")
    args = p.parse_args(argv)

    if os.path.isdir(args.target):
        folder, path = args.target, manifest_path(args.target)
    else:
        folder, path = os.path.dirname(os.path.abspath(args.target)), args.target
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    errors = validate(doc, None if args.no_files else folder)
    if args.require_all and isinstance(doc, dict):
        errors += [f'no "{s}" section (the torch back end needs inpainter, depth and clip)' for s in SECTIONS if s not in doc]
    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    if errors:
        return 1
    present = [s for s in SECTIONS if s in doc]
    print(f"{path}: valid ({', '.join(present) if present else 'no sections'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
