// End-to-end tests mostly wait: for due times, failover detection, restarts. Three collections at a time
// keep two cores busy without starving a test's processes (xunit 2.9's conservative algorithm starts no
// more than this many). Tests that need the machine to themselves say so in their collection
// (DisableParallelization: run alone, after the rest).
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 3)]
