#!/usr/bin/env python3
"""Keras-written weight files and Keras's own predictions, for test/features/cnn/keras-written.test.ts.

For VGG16 and ResNet50 this script builds the network in Keras (3.x, TensorFlow backend), sets
every weight to seeded random values (biases and batch-norm statistics too, so every array matters),
and writes it in the two HDF5 layouts Keras writes:

  <name>.weights.legacy.h5   legacy_h5_format.save_weights_to_hdf5_group (layer_names on the root)
  <name>.model.h5            model.save("x.h5") (the full model; weights under model_weights)

plus <name>.json: the input side, the feature layer, the test images (values in [-1, 1], HWC,
the project's image range, stored as the 8-bit pixels p with image = p / 127.5 - 1, base64) and Keras's predict output of the feature layer on them, after Keras's
own caffe preprocessing (keras.applications.*.preprocess_input).

Two sizes:
  --tiny   networks with every channel count divided by 32 (VGG16 widths 2,4,8,16,16; ResNet50
           filters 2,2,4,8,16), built layer by layer with the same layer names, types and options
           as keras.applications (checked here against keras.applications at full width). A few
           hundred KB: committed in test/features/cnn/fixtures/keras-written/.
  --full   keras.applications.VGG16 / ResNet50 themselves (weights=None, include_top=False):
           60 and 94 MB files, so the test generates them on the fly when a Keras venv exists.

Run:  <venv>/bin/python tools/keras-fixtures.py --tiny --out test/features/cnn/fixtures/keras-written
      <venv>/bin/python tools/keras-fixtures.py --full --out /tmp/keras-full
(<venv>: python3 -m venv .cache/keras-venv && .cache/keras-venv/bin/pip install tensorflow-cpu keras h5py)
"""
import argparse
import base64
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

SIZE = 64  # input side: VGG16 -> 4x4 maps, ResNet50 -> 2x2 maps
N_IMAGES = 3
SEED = 15


def scaled(c, scale):
    return max(1, int(round(c * scale)))


# ---- the networks, layer by layer, as keras.applications builds them (width-scalable) ----


def vgg16(scale, size):
    widths = [scaled(c, scale) for c in (64, 128, 256, 512, 512)]
    inp = keras.Input((size, size, 3), name="input_layer")
    x = inp
    for b, (n, w) in enumerate(zip((2, 2, 3, 3, 3), widths), start=1):
        for c in range(1, n + 1):
            x = layers.Conv2D(w, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    return keras.Model(inp, x, name="vgg16")


def _block(x, filters, stride, conv_shortcut, name):
    bn = dict(axis=3, epsilon=1.001e-5)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(**bn, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(**bn, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="SAME", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(**bn, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(**bn, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def resnet50(scale, size):
    inp = keras.Input((size, size, 3), name="input_layer")
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inp)
    x = layers.Conv2D(scaled(64, scale), 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, filters, blocks, stride in (("conv2", 64, 3, 1), ("conv3", 128, 4, 2), ("conv4", 256, 6, 2), ("conv5", 512, 3, 2)):
        f = scaled(filters, scale)
        x = _block(x, f, stride, True, f"{stage}_block1")
        for i in range(2, blocks + 1):
            x = _block(x, f, 1, False, f"{stage}_block{i}")
    return keras.Model(inp, x, name="resnet50")


def signature(model):
    """What must agree with keras.applications: layer names, types, options and weight shapes."""
    out = []
    for l in model.layers:
        cfg = l.get_config()
        keep = {k: cfg[k] for k in ("filters", "kernel_size", "strides", "padding", "activation", "use_bias", "epsilon", "pool_size") if k in cfg}
        out.append((l.name, type(l).__name__, json.dumps(keep, sort_keys=True), [tuple(w.shape) for w in l.weights]))
    return out


def check_against_applications():
    """The hand-built networks at width 1 are keras.applications' networks, layer for layer."""
    pairs = [
        ("vgg16", vgg16(1, SIZE), keras.applications.VGG16(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))),
        ("resnet50", resnet50(1, SIZE), keras.applications.ResNet50(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))),
    ]
    for name, mine, ref in pairs:
        a, b = signature(mine), signature(ref)
        # keras.applications names its input layer "input_layer" (Keras 3) with a numeric suffix when several exist.
        a = [r for r in a if r[1] != "InputLayer"]
        b = [r for r in b if r[1] != "InputLayer"]
        if a != b:
            for x, y in zip(a, b):
                if x != y:
                    sys.exit(f"{name}: hand-built layer {x} differs from keras.applications {y}")
            sys.exit(f"{name}: {len(a)} layers hand-built vs {len(b)} in keras.applications")
        print(f"{name}: hand-built network matches keras.applications layer for layer ({len(a)} layers)")
        keras.backend.clear_session()


# ---- weights, inputs, outputs ----


def randomize(model, rng):
    """Seeded random values for every array (kernels He-scaled; bias, gamma, beta and BN statistics non-trivial)."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        names = [w.path.split("/")[-1] for w in layer.weights]
        new = []
        for name, w in zip(names, ws):
            if name == "kernel":
                fan_in = int(np.prod(w.shape[:-1]))
                v = rng.normal(0, np.sqrt(1.0 / fan_in), w.shape)
            elif name == "bias":
                v = rng.uniform(-0.1, 0.1, w.shape)
            elif name == "gamma":
                v = rng.uniform(0.5, 1.5, w.shape)
            elif name == "beta":
                v = rng.uniform(-0.2, 0.2, w.shape)
            elif name == "moving_mean":
                v = rng.uniform(-0.2, 0.2, w.shape)
            elif name == "moving_variance":
                v = rng.uniform(0.5, 2.0, w.shape)
            else:
                sys.exit(f"unexpected weight {w.path}")
            new.append(v.astype(np.float32))
        layer.set_weights(new)


def caffe(images):
    """The project's [-1, 1] images to Keras caffe input (0..255, BGR, ImageNet means subtracted)."""
    return keras.applications.vgg16.preprocess_input((images + 1.0) * 127.5)


def write(model, feature_layer, name, out, pixels, images, kind):
    os.makedirs(out, exist_ok=True)
    weights_file = os.path.join(out, f"{name}.weights.legacy.h5")
    with h5py.File(weights_file, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    model_file = os.path.join(out, f"{name}.model.h5")
    model.save(model_file)
    feat = keras.Model(model.input, model.get_layer(feature_layer).output)
    pred = feat.predict(caffe(images), verbose=0).astype(np.float32)
    meta = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "network": name.split("-")[0],
        "kind": kind,
        "widthScale": 1 if kind == "full" else 1 / 32,
        "inputSize": SIZE,
        "featureLayer": feature_layer,
        "files": {"weights": os.path.basename(weights_file), "model": os.path.basename(model_file)},
        "imageShape": list(images.shape),
        "imagesU8Base64": base64.b64encode(pixels.tobytes()).decode("ascii"),
        "outputShape": list(pred.shape),
        "output": [float(v) for v in pred.reshape(-1)],
    }
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(meta, f)
    print(f"{name}: {os.path.getsize(weights_file) / 1e6:.2f} MB + {os.path.getsize(model_file) / 1e6:.2f} MB, output {list(pred.shape)}, max |y| {np.abs(pred).max():.4g}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--tiny", action="store_true")
    g.add_argument("--full", action="store_true")
    p.add_argument("--out", required=True)
    p.add_argument("--skip-check", action="store_true", help="tiny: skip the comparison with keras.applications")
    a = p.parse_args()
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    pixels = rng.integers(0, 256, (N_IMAGES, SIZE, SIZE, 3), dtype=np.uint8)
    images = (pixels.astype(np.float32) / np.float32(127.5) - np.float32(1)).astype(np.float32)
    if a.tiny:
        if not a.skip_check:
            check_against_applications()
        nets = [("vgg16-tiny", vgg16(1 / 32, SIZE), "block5_conv3"), ("resnet50-tiny", resnet50(1 / 32, SIZE), "conv5_block3_out")]
        kind = "tiny"
    else:
        nets = [
            ("vgg16-full", keras.applications.VGG16(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3)), "block5_conv3"),
            ("resnet50-full", keras.applications.ResNet50(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3)), "conv5_block3_out"),
        ]
        kind = "full"
    for name, model, layer in nets:
        randomize(model, rng)
        write(model, layer, name, a.out, pixels, images, kind)


if __name__ == "__main__":
    main()
