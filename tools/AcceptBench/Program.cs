using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(EchoAtTime.AcceptBench.AcceptPathBenchmarks).Assembly).Run(args);
