using Outfitter.Daemon.Tool;

return await Cli.RunAsync(args, Console.Out, Console.Error);
