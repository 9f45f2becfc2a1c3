using System.CommandLine;
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
return await root.Parse(args).InvokeAsync();
