"""Command line: ``python -m fastact bench`` (speed), ``check`` (accuracy), ``table`` (what each
activation is like), ``plot`` (pictures), ``demo`` (training demonstrations) and ``info``
(version, CPU, instruction set, threads)."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fastact", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    bench = sub.add_parser("bench", help="time every op against NumPy, and PyTorch and JAX when installed")
    bench.add_argument("--ops", nargs="+", metavar="OP",
                       help="ops to time, e.g. gelu gelu[tanh] softmax (default: all, with softmax, log_softmax, "
                            "cross_entropy and swiglu)")
    bench.add_argument("--sizes", "--size", type=int, nargs="+", default=[1 << 20], metavar="N",
                       help="elements per array (default: 1048576)")
    bench.add_argument("--dtypes", nargs="+", default=["float32", "float64"],
                       choices=["float16", "bfloat16", "float32", "float64"],
                       help="bfloat16 needs ml_dtypes (fastact[bfloat16])")
    bench.add_argument("--isa", nargs="+", metavar="ISA",
                       help="repeat the table for these instruction sets, or 'all' the CPU runs (default: the one in use)")
    bench.add_argument("--modes", nargs="+", default=["forward", "derivative", "backward"],
                       choices=["forward", "derivative", "backward"])
    bench.add_argument("--threads", type=int, nargs="+", metavar="N",
                       help="thread counts to run with (default: every CPU available)")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bench.add_argument("--plot", metavar="FILE", help="also draw a bar chart PNG (needs matplotlib: fastact[plot])")

    check = sub.add_parser("check", help="ULP error of every op against fastact.reference")
    check.add_argument("--exhaustive", action="store_true", help="all 2^32 float32 inputs (slow: minutes per op)")
    check.add_argument("--ops", nargs="+", metavar="OP", help="ops to check, e.g. gelu gelu[tanh] (default: all)")

    table = sub.add_parser("table", help="the properties of every activation, computed from its kernels")
    table.add_argument("--ops", nargs="+", metavar="OP", help="ops to describe (default: every elementwise op)")
    table.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    table.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    table.add_argument("--no-cost", action="store_true", help="skip timing each op against relu")

    sub.add_parser("info", help="version, CPU, instruction set in use and threads")

    plot = sub.add_parser("plot", help="draw activations or gradient flow to a PNG (needs fastact[plot])")
    plot.add_argument("what", choices=["curves", "gradient-flow"], help="curves: f and f' of each op; "
                      "gradient-flow: gradient norm per layer of a deep MLP of each op")
    plot.add_argument("--ops", nargs="+", metavar="OP", help="ops to draw (default: sigmoid tanh relu gelu and silu "
                      "or selu)")
    plot.add_argument("--depth", type=int, default=30, help="gradient-flow: layers (default: 30)")
    plot.add_argument("-o", "--output", metavar="FILE", help="the PNG to write (default: curves.png / gradient_flow.png)")

    demo = sub.add_parser("demo", help="train a small MLP with fastact to show an effect, e.g. dying ReLU units")
    demo.add_argument("what", choices=["dying-relu"], help="dying-relu: SGD at a high learning rate kills ReLU "
                      "units (f' = 0 on every sample) but not Leaky ReLU or ELU units")
    demo.add_argument("--seed", type=int, default=0, help="data, initial weights and batch order (default: 0)")
    demo.add_argument("--lr", type=float, default=2.0, help="SGD learning rate (default: 2.0)")
    demo.add_argument("--epochs", type=int, default=10, help="passes over the 4096 samples (default: 10)")
    demo.add_argument("--ops", nargs="+", metavar="OP", default=["relu", "leaky_relu", "elu"],
                      help="activations to train (default: relu leaky_relu elu)")
    demo.add_argument("--plot", metavar="FILE", help="also draw the dead-unit fraction over training to a PNG "
                      "(needs fastact[plot])")

    args = parser.parse_args(argv)
    import fastact

    if args.command == "info":
        return _info(fastact)
    if args.command == "table":
        return _table(fastact, parser, args)
    if args.command == "plot":
        return _plot(fastact, parser, args)
    if args.command == "demo":
        return _demo(fastact, parser, args)

    cases = fastact._cases()
    if args.command == "bench":
        from ._bench import ROW_OPS, run_bench

        for name in args.ops or []:
            if name not in cases and name not in ROW_OPS:
                parser.error(f"unknown op {name!r}; available: {', '.join([*cases, *ROW_OPS])}")
        selected = [cases[name] for name in args.ops or cases if name in cases]
        row_ops = [name for name in args.ops or ROW_OPS if name in ROW_OPS]
        if args.threads is not None and min(args.threads) < 1:
            parser.error("--threads must be at least 1")
        if min(args.sizes) < 1:
            parser.error("--sizes must be at least 1")
        available = fastact.cpu_info()["available_isas"]
        isas = available if args.isa == ["all"] else args.isa
        for isa in isas or []:
            if isa not in available:
                parser.error(f"--isa {isa!r} is not one this CPU runs; available: all, {', '.join(available)}")
        return run_bench(selected, args.sizes, args.dtypes, args.modes, args.threads, args.json, args.plot, isas,
                         row_ops)
    for name in args.ops or []:
        if name not in cases:
            parser.error(f"unknown op {name!r}; available: {', '.join(cases)}")
    selected = [cases[name] for name in args.ops or cases]
    from ._check import run_check

    return run_check(selected, args.exhaustive)


def _info(fastact) -> int:
    from ._bench import cpu_name

    info = fastact.cpu_info()
    print(f"fastact {fastact.__version__}")
    print(f"CPU: {cpu_name()}")
    print(f"instruction set: {info['isa']} (compiled: {', '.join(info['compiled_isas'])}; "
          f"this CPU runs: {', '.join(info['available_isas'])})")
    print(f"threads per call: {info['threads']} (CPUs available to this process: {info['available_cpus']})")
    return 0


def _table(fastact, parser, args) -> int:
    import json

    from . import analysis

    for name in args.ops or []:
        if name not in fastact.variants():
            parser.error(f"unknown op {name!r}; available: {', '.join(fastact.variants())}")
    rows = [analysis.properties(fastact.get(name), cost=not args.no_cost) for name in args.ops or fastact.ops("elementwise")]
    print(analysis.text(rows))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(analysis.markdown(rows) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([row.as_row() for row in rows], f, indent=1)
    return 0


def _plot(fastact, parser, args) -> int:
    from . import plot

    plot.pyplot()  # no matplotlib: say which extra to install before any work
    for name in args.ops or []:
        if name not in fastact.variants():
            parser.error(f"unknown op {name!r}; available: {', '.join(fastact.variants())}")
    if args.depth < 1:
        parser.error("--depth must be at least 1")
    if args.what == "curves":
        path = plot.curves(*([args.ops] if args.ops else []), path=args.output or "curves.png")
    else:
        path = plot.gradient_flow(*([args.ops] if args.ops else []), path=args.output or "gradient_flow.png",
                                  depth=args.depth)
    print(f"wrote {path}")
    return 0


def _demo(fastact, parser, args) -> int:
    from . import demo, plot

    if args.plot:
        plot.pyplot()  # no matplotlib: say which extra to install before training
    for name in args.ops:
        if name not in fastact.variants():
            parser.error(f"unknown op {name!r}; available: {', '.join(fastact.variants())}")
    if not (args.lr > 0 and args.lr < float("inf")):
        parser.error("--lr must be positive and finite")
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    runs = demo.dying_relu(args.ops, lr=args.lr, epochs=args.epochs, seed=args.seed)
    print(f"Dying ReLU: a 16-128-8 MLP (softmax cross-entropy) trained with SGD, learning rate {args.lr:g}, "
          f"batch 32,\non 4096 samples with features in [0, 1), seed {args.seed}. Every activation starts from "
          "the same\nweights. dead: hidden units with f'(z) = 0 on every sample (no gradient reaches them again);\n"
          "saturated: (sample, unit) pairs with |f'(z)| < 1e-3; accuracy: on the training set.\n")
    width = 27
    print("epoch" + "".join(f"{run.op:>{width}}" for run in runs))
    print("     " + "".join(f"{'dead  saturated  accuracy':>{width}}" for _ in runs))
    columns = [(run.at_epochs(run.dead_fraction), run.at_epochs(run.saturated), run.accuracy) for run in runs]
    for epoch in range(args.epochs + 1):
        cells = [f"{dead[epoch]:>6.0%}{saturated[epoch]:>11.0%}{accuracy[epoch]:>10.0%}"
                 for dead, saturated, accuracy in columns]
        print(f"{epoch:>5}" + "".join(f"{cell:>{width}}" for cell in cells))
    print()
    for run in runs:
        print(f"{run.op}: {run.dead_fraction[-1]:.0%} of the hidden units dead, "
              f"{run.saturated[-1]:.0%} of the activations saturated, training accuracy {run.accuracy[-1]:.0%}")
    print("\nA dead unit's weights never change again, so the dead fraction can only grow. Leaky ReLU (f' = 0.01\n"
          "for z < 0) and ELU (f' = e^z) have no zero derivative to die of, but a unit pushed far negative\n"
          "saturates instead: ELU's f' is below 1e-3 for z < -6.9, and rounds to 0 in float32 below z = -104.")
    if args.plot:
        print(f"wrote {plot.dead_units(runs, args.plot, lr=args.lr)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
