/** application/json as a collapsible tree (details/summary; no library needed for this little). */
export function jsonTree(value: unknown, key?: string, depth = 0): HTMLElement {
  const label = key === undefined ? "" : JSON.stringify(key) + ": ";
  if (value !== null && typeof value === "object") {
    const isArr = Array.isArray(value);
    const entries = isArr ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value as object);
    const d = document.createElement("details");
    d.className = "json-node";
    d.open = depth < 2;
    const s = document.createElement("summary");
    s.textContent = `${label}${isArr ? `Array(${entries.length})` : `{${entries.length} keys}`}`;
    d.appendChild(s);
    for (const [k, v] of entries) d.appendChild(jsonTree(v, isArr ? undefined : k, depth + 1));
    return d;
  }
  const div = document.createElement("div");
  div.className = "json-leaf";
  const k = document.createElement("span");
  k.className = "json-key";
  k.textContent = label;
  const v = document.createElement("span");
  v.className = "json-" + (value === null ? "null" : typeof value);
  v.textContent = JSON.stringify(value);
  div.append(k, v);
  return div;
}
