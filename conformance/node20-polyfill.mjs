// Node 20 lacks Map.groupBy (ES2024), which vitest's failure reporter uses:
// without it, one failing test on node20 crashes the reporter and the run
// reports no results at all. Loaded with --import for the node20 column only;
// the suite itself never relies on it.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = function groupBy(items, key) {
    const map = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const list = map.get(k);
      if (list === undefined) map.set(k, [item]);
      else list.push(item);
    }
    return map;
  };
}
