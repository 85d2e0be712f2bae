using System.Globalization;
using System.Net.Sockets;

namespace EchoAtTime.Chaos;

/// <summary>
/// <c>--store-faults</c>: every <see cref="ChaosOptions.StoreFaults"/> one fault goes into the Redis
/// proxy of a random ready silo, alternating between a reply drop (the reply to the silo's next slot
/// script on a minute's list, <c>…:l</c> — an append or a commit — is lost after Redis ran it, and
/// the silo's connection is reset) and a spell of slow replies. A silo whose previous fault of the
/// same kind is still pending (a drop not yet matched, a delay not yet over) is not picked.
/// </summary>
public sealed class StoreFaultInjector(ChaosOptions options, IReadOnlyList<ServiceNode> silos, Random random, string runTag, TimeProvider clock, Action<string> log)
{
    private const int DelayForMinMs = 1_000;
    private const int DelayForMaxMs = 3_000;
    private const int CommandTextLength = 200;

    // What a minute's message list key ends with (RedisKeys.Messages): every slot append, commit, load and close names
    // it.
    private const string SlotListKey = ":l";

    private readonly Lock _lock = new();
    private readonly List<StoreFault> _faults = [];
    private readonly List<Task> _drops = [];
    private readonly List<Task> _delays = [];
    private readonly HashSet<string> _dropArmed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _delaying = new(StringComparer.Ordinal);
    private readonly string _runText = $"chaos {runTag} ";

    /// <summary>Injects until <paramref name="chaos"/> is cancelled; a delay under way ends then.</summary>
    public async Task RunAsync(long startedAtMs, CancellationToken chaos)
    {
        if (options.StoreFaults == TimeSpan.Zero)
        {
            return;
        }

        try
        {
            for (var n = 1; ; n++)
            {
                await Conditions.DelayUntilAsync(clock, startedAtMs + (long)(n * options.StoreFaults.TotalMilliseconds), chaos);
                var drop = n % 2 == 1;
                ServiceNode? node;
                lock (_lock)
                {
                    var busy = drop ? _dropArmed : _delaying;
                    var free = silos.Where(s => s is { IsReady: true, StoreProxy: not null } && !busy.Contains(s.Name)).ToList();
                    node = free.Count == 0 ? null : free[random.Next(free.Count)];
                }

                if (node is null)
                {
                    log($"chaos: store fault: no ready silo free for a {(drop ? StoreFault.ReplyDrop : StoreFault.Delay)} this time");
                }
                else if (drop)
                {
                    ArmDrop(node, startedAtMs);
                }
                else
                {
                    StartDelay(node, startedAtMs, chaos);
                }
            }
        }
        catch (OperationCanceledException) when (chaos.IsCancellationRequested)
        {
            // The chaos phase is over.
        }

        Task[] delays;
        lock (_lock)
        {
            delays = [.. _delays];
        }

        await Task.WhenAll(delays);
    }

    /// <summary>
    /// Every fault as injected. Call after the proxies are stopped: a drop still armed then ends as
    /// <c>never matched</c>; this waits (briefly) for those outcomes to be recorded.
    /// </summary>
    public async Task<IReadOnlyList<StoreFault>> FaultsAsync()
    {
        Task[] drops;
        lock (_lock)
        {
            drops = [.. _drops];
        }

        await Task.WhenAll(drops).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        lock (_lock)
        {
            return [.. _faults.Select(f => f.Kind == StoreFault.ReplyDrop && f.Outcome == "armed" ? f with { Outcome = "never matched" } : f)];
        }
    }

    private long NowMs => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private void ArmDrop(ServiceNode node, long startedAtMs)
    {
        var atMs = NowMs;
        int index;
        lock (_lock)
        {
            index = _faults.Count;
            _faults.Add(new StoreFault
            {
                Kind = StoreFault.ReplyDrop,
                Node = node.Name,
                Instance = node.Current?.Name ?? node.Name,
                AtMs = atMs,
                AtSecond = Math.Round((atMs - startedAtMs) / 1000.0, 1),
                Outcome = "armed",
            });
            _dropArmed.Add(node.Name);
        }

        var observer = ObserveDropAsync(node, index, node.StoreProxy!.DropReplyToNext(c => c.IsScriptOn(SlotListKey)));
        lock (_lock)
        {
            _drops.Add(observer);
        }

        log($"chaos: store fault: the reply to {node.Name}'s next slot script will be dropped (armed at +{(atMs - startedAtMs) / 1000.0:F1} s)");
    }

    private async Task ObserveDropAsync(ServiceNode node, int index, Task<RespCommand> dropped)
    {
        StoreFault Update(Func<StoreFault, StoreFault> change)
        {
            lock (_lock)
            {
                _dropArmed.Remove(node.Name);
                return _faults[index] = change(_faults[index]);
            }
        }

        try
        {
            var command = await dropped;
            var atMs = NowMs;
            var messages = MessageTexts(command);
            var what = messages.Count > 0 ? "append" : "other";
            var text = Describe(command);
            var fault = Update(f => f with
            {
                Outcome = "dropped",
                DroppedAtMs = atMs,
                Instance = node.Current?.Name ?? f.Instance,
                Command = what,
                CommandText = text.Length <= CommandTextLength ? text : text[..CommandTextLength] + "…",
                Messages = messages,
            });
            log($"chaos: store fault: dropped the reply to {(what == "append" ? "an append" : "a slot script (commit, load or close)")} of {fault.Instance}, {atMs - fault.AtMs} ms after arming; its connection was reset");
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
        {
            // The proxy stopped first: the silo sent no slot script after the drop was armed.
            Update(f => f with { Outcome = "never matched" });
        }
        catch (Exception e) when (e is TimeoutException or IOException or SocketException or InvalidDataException)
        {
            // Matched, but Redis did not answer the proxy's probe behind it (e.g. Redis was being killed): the
            // connection was reset all the same.
            Update(f => f with { Outcome = $"failed: {e.GetType().Name}: {e.Message}", DroppedAtMs = NowMs });
        }
    }

    /// <summary>
    /// This run's texts are <c>chaos &lt;tag&gt; &lt;6 digits&gt;</c>: an append carries them inside its element
    /// arguments.
    /// </summary>
    private List<string> MessageTexts(RespCommand command)
    {
        var texts = new List<string>();
        var length = _runText.Length + 6;
        foreach (var arg in command.Args)
        {
            for (var at = arg.IndexOf(_runText, StringComparison.Ordinal); at >= 0 && at + length <= arg.Length; at = arg.IndexOf(_runText, at + length, StringComparison.Ordinal))
            {
                texts.Add(arg.Substring(at, length));
            }
        }

        return texts;
    }

    /// <summary>The script (its sha, not an EVAL's body) and its keys, on one line.</summary>
    private static string Describe(RespCommand command)
    {
        var script = command.Name == "EVAL" ? "<script>" : command.Args.Count > 0 ? command.Args[0][..Math.Min(command.Args[0].Length, 12)] : "";
        return $"{command.Name} {script} keys {string.Join(' ', command.ScriptKeys)}";
    }

    private void StartDelay(ServiceNode node, long startedAtMs, CancellationToken chaos)
    {
        var delayMs = random.NextInt64((long)options.StoreDelayMin.TotalMilliseconds, (long)options.StoreDelayMax.TotalMilliseconds + 1);
        var forMs = random.NextInt64(DelayForMinMs, DelayForMaxMs + 1);
        var atMs = NowMs;
        var proxy = node.StoreProxy!;
        lock (_lock)
        {
            _faults.Add(new StoreFault
            {
                Kind = StoreFault.Delay,
                Node = node.Name,
                Instance = node.Current?.Name ?? node.Name,
                AtMs = atMs,
                AtSecond = Math.Round((atMs - startedAtMs) / 1000.0, 1),
                Outcome = "delayed",
                DelayMs = delayMs,
                ForMs = forMs,
            });
            _delaying.Add(node.Name);
            proxy.DelayReplies(TimeSpan.FromMilliseconds(delayMs));
            _delays.Add(EndDelayAsync(node, proxy, forMs, chaos));
        }

        log(string.Create(CultureInfo.InvariantCulture, $"chaos: store fault: {node.Name}'s replies delayed by {delayMs} ms for {forMs} ms at +{(atMs - startedAtMs) / 1000.0:F1} s"));
    }

    private async Task EndDelayAsync(ServiceNode node, RedisFaultProxy proxy, long forMs, CancellationToken chaos)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(forMs), clock, chaos);
        }
        catch (OperationCanceledException)
        {
            // The chaos phase is over: the link heals now.
        }
        finally
        {
            proxy.DelayReplies(TimeSpan.Zero);
            lock (_lock)
            {
                _delaying.Remove(node.Name);
            }
        }
    }
}
