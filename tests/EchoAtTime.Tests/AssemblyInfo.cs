// The multi-process tests start several silos and Redis each, and measure timing (failover within
// 10 s, catch-up within 2 s); on a 2-core machine they must not compete with each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
