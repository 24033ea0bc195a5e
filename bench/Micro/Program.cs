using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process (no per-benchmark rebuild of this project with BenchmarkDotNet's own settings),
// short runs: the machine is shared, so the numbers are indicative. `--job default` etc. still work.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(SharpLvs.Bench.Micro.ScheduleBenchmarks).Assembly).Run(args, config);
