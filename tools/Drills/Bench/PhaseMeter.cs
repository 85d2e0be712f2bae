using System.Diagnostics;
using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>
/// The cost of a phase (scheduling and printing): CPU seconds of the silos, Redis and this tool
/// (from /proc, deltas across the phase) and the Redis commands it took (INFO commandstats delta).
/// </summary>
public sealed class PhaseMeter
{
    private readonly Deployment _deployment;
    private readonly RedisStats _stats;
    private readonly SiloCpuWatch _silos;
    private readonly double _redisCpu;
    private readonly double _toolCpu;
    private readonly CommandStats _commands;
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    private PhaseMeter(Deployment deployment, RedisStats stats, SiloCpuWatch silos, double redisCpu, double toolCpu, CommandStats commands)
    {
        _deployment = deployment;
        _stats = stats;
        _silos = silos;
        _redisCpu = redisCpu;
        _toolCpu = toolCpu;
        _commands = commands;
    }

    public static async Task<PhaseMeter> StartAsync(ScenarioContext context)
    {
        var (deployment, stats) = (context.Deployment, context.Stats);
        var commands = await stats.CommandStatsAsync();
        return new PhaseMeter(deployment, stats, SiloCpuWatch.Start(deployment), ProcessCpu.Seconds(deployment.StorePids), ProcessCpu.Own(), commands);
    }

    /// <summary>Ends the phase and adds its cost per message to <paramref name="figures"/>.</summary>
    public async Task AddCostAsync(Figures figures, long messages)
    {
        var siloCpu = _silos.Seconds;
        var redisCpu = ProcessCpu.Seconds(_deployment.StorePids) - _redisCpu;
        var toolCpu = ProcessCpu.Own() - _toolCpu;
        var commands = (await _stats.CommandStatsAsync()).Since(_commands);
        var per = Math.Max(1, messages);
        var breakdown = new JsonObject();
        foreach (var (name, (calls, usec)) in commands.Commands.Where(c => c.Key != CommandStats.OwnCommand).OrderByDescending(c => c.Value.Calls))
        {
            breakdown[name] = new JsonObject
            {
                ["calls"] = calls,
                ["perMessage"] = Math.Round(calls / (double)per, 6),
                ["usec"] = usec,
            };
        }

        figures
            .Add("phaseSeconds", "phase wall time s (schedule+print)", Stopwatch.GetElapsedTime(_startedAt).TotalSeconds, 1)
            .Add("siloCpuSecondsPer1000", "silo CPU s / 1000 msgs", siloCpu * 1000 / per, 3)
            .Add("redisCpuSecondsPer1000", "redis CPU s / 1000 msgs", redisCpu * 1000 / per, 3)
            .Add("toolCpuSecondsPer1000", "bench tool CPU s / 1000 msgs", toolCpu * 1000 / per, 3)
            .Add("redisCommandsPerMessage", "redis commands / msg", commands.TotalCalls / (double)per, 4)
            .Add("redisUsecPerMessage", "redis usec (commandstats) / msg", commands.TotalUsec / (double)per, 2)
            .AddJson("redisCommands", breakdown);
    }
}
