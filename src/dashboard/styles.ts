/** The dashboard page's own styles (uPlot's come with its package). Colours of utilization are set by the script. */
export const DASHBOARD_CSS = `
:root { --fg: #1d2330; --muted: #5c6577; --line: #d5dae3; --bg: #f6f7f9; --panel: #fff; font-family: system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font-size: 14px; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: 0.6em 1em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; letter-spacing: 0.05em; }
header #totals { color: #c9d1e0; }
header .replay { margin-left: auto; color: #c9d1e0; }
header .replay input { vertical-align: middle; width: 260px; }
#problem { background: #fde8e8; color: #8a1c1c; padding: 0.5em 1em; border-bottom: 1px solid #f3b8b8; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(440px, 38%); gap: 0; height: calc(100vh - 2.6em); }
#graph-pane { overflow: auto; padding: 1em; }
#graph { display: block; width: 100%; height: auto; }
#side { border-left: 1px solid var(--line); background: var(--panel); overflow: auto; padding: 0 1em 1em; }
h2 { font-size: 1em; margin: 1em 0 0.4em; }
.hint, .muted { color: var(--muted); }
.node { cursor: pointer; }
.node rect { stroke: #39414f; stroke-width: 1; rx: 6; }
.node.selected rect { stroke: #1a56db; stroke-width: 3; }
.node text { font-size: 12px; fill: #111; pointer-events: none; }
.node .title { font-weight: 600; font-size: 13px; }
.node .spread { fill: rgba(0,0,0,0.18); }
.node .spread-mark { fill: #111; }
.edge path { fill: none; stroke: #7b8494; stroke-width: 1.4; }
.edge text { font-size: 11px; fill: #3c4454; }
.edge .label-bg { fill: var(--bg); }
#details { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: right; padding: 2px 5px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { white-space: normal; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; vertical-align: -1px; margin-right: 4px; border: 1px solid #39414f; }
#finding-list { padding-left: 1.2em; }
#finding-list li { margin-bottom: 0.5em; }
#finding-list .kind { font-weight: 600; }
#finding-list .evidence { color: var(--muted); font-size: 12px; }
table.what-if input { width: 5em; }
#what-if label { white-space: nowrap; }
#what-if p input { width: 7em; }
code { font-size: 12px; background: #eef1f5; padding: 2px 4px; display: inline-block; white-space: pre-wrap; word-break: break-all; }
.keys { margin: 0.4em 0; padding-left: 2em; }
`;
