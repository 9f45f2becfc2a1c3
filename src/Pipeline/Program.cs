using System.CommandLine;
using Pipeline.Runner.Terminal;
using Pipeline.Runner.Up;

var root = new RootCommand("Pipeline: edge-to-cloud sensor ingestion and continuous training.");
root.Subcommands.Add(UpCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Train.TrainCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Explain.ExplainCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Simulate.SimulateCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Devices.DevicesCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Registry.ModelsCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Status.StatusCommand.Create());
root.Subcommands.Add(Pipeline.Runner.Dashboard.DashboardCommand.Create());

// Signals are ours (StopSignals says why), so System.CommandLine gets no termination timeout and registers none.
using var signals = StopSignals.Register(Console.Error);
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, signals.Token);
