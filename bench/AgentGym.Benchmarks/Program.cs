using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/AgentGym.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
