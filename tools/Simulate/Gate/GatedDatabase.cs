using System.Collections.Concurrent;
using System.Reflection;
using StackExchange.Redis;

namespace EchoAtTime.Simulate.Gate;

/// <summary>
/// An <see cref="IDatabase"/> whose every asynchronous command waits at the <see cref="StoreGate"/>
/// before it goes to the real store; everything else passes straight through. The product's store
/// code runs unchanged on top of it.
/// </summary>
public class GatedDatabase : DispatchProxy
{
    private const string StoreNowFunction = "local function storeNowMs()";
    private const string RestartedAgoFunction = "local function restartedAgo(server)";

    private static readonly ConcurrentDictionary<Type, MethodInfo> Enqueuers = new();
    private static readonly MethodInfo EnqueueOf = typeof(GatedDatabase).GetMethod(nameof(EnqueueTyped), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private IDatabase _real = null!;
    private StoreGate _gate = null!;
    private string _silo = "";

    internal static IDatabase Create(IDatabase real, StoreGate gate, string silo)
    {
        var proxy = Create<IDatabase, GatedDatabase>();
        var self = (GatedDatabase)(object)proxy;
        (self._real, self._gate, self._silo) = (real, gate, silo);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var returns = targetMethod.ReturnType;
        if (!returns.IsGenericType || returns.GetGenericTypeDefinition() != typeof(Task<>))
        {
            if (returns == typeof(Task))
            {
                return EnqueueTyped<bool>(targetMethod, args, async () =>
                {
                    await ((Task)targetMethod.Invoke(_real, args)!).ConfigureAwait(false);
                    return true;
                });
            }

            return targetMethod.Invoke(_real, args);
        }

        var enqueue = Enqueuers.GetOrAdd(returns.GetGenericArguments()[0], t => EnqueueOf.MakeGenericMethod(t));
        return enqueue.Invoke(this, [targetMethod, args, null]);
    }

    private Task<T> EnqueueTyped<T>(MethodInfo method, object?[]? args, Func<Task<T>>? execute)
    {
        var lane = $"{_silo}/{SimContext.Operation ?? "flush"}";
        return _gate.Enqueue(lane, Describe(method, args), execute ?? (() => (Task<T>)method.Invoke(_real, OnWorldClock(args))!));
    }

    /// <summary>
    /// A script that reads the store's clock or its start (includes/storeNow, includes/serverStart) reads the world's
    /// instead, at the moment the store carries it out: the real server's clock is not the schedule's.
    /// </summary>
    private object?[]? OnWorldClock(object?[]? args)
    {
        if (args is not [string script, ..] || _gate.Clock is not { } clock
            || !(script.Contains(StoreNowFunction, StringComparison.Ordinal) || script.Contains(RestartedAgoFunction, StringComparison.Ordinal)))
        {
            return args;
        }

        var patched = (object?[])args.Clone();
        patched[0] = script
            .Replace(StoreNowFunction, $"{StoreNowFunction}\n  if true then return {clock.NowMs} end", StringComparison.Ordinal)
            .Replace(RestartedAgoFunction, $"{RestartedAgoFunction}\n  if true then return {clock.RestartedAgoMs} end", StringComparison.Ordinal);
        return patched;
    }

    private static string Describe(MethodInfo method, object?[]? args)
    {
        var name = method.Name.Replace("Async", "", StringComparison.Ordinal);
        if (args is { Length: > 0 } && args[0] is string script && name == "ScriptEvaluate")
        {
            // The scripts start with a comment line naming what they do: enough to read a trace.
            return $"{name}({ScriptName(script)}{KeyOf(args.Length > 1 ? args[1] : null)})";
        }

        return $"{name}({KeyOf(args is { Length: > 0 } ? args[0] : null)})";
    }

    private static string ScriptName(string script) => SimScripts.NameOf(script);

    private static string KeyOf(object? arg) => arg switch
    {
        RedisKey key => $" {key}",
        RedisKey[] { Length: > 0 } keys => $" {keys[0]}",
        _ => "",
    };
}
