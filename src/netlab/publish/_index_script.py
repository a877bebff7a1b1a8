"""The index page's script: sorting by a column, the filter box and "bright spots only"."""

SCRIPT = """
(() => {
  const table = document.querySelector("table.netlab-glance-table");
  if (!table) return;
  const body = table.tBodies[0];
  const value = (cell) => (cell.dataset.sort ?? cell.textContent).trim();
  table.querySelectorAll("thead th button").forEach((button) => {
    button.addEventListener("click", () => {
      const th = button.closest("th");
      const col = Array.from(th.parentNode.children).indexOf(th);
      const up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = value(a.cells[col]), y = value(b.cells[col]);
        if (!x || !y) return (!x) - (!y);  // missing values last, either way
        const nx = Number(x), ny = Number(y);
        const c = isNaN(nx) || isNaN(ny) ? x.localeCompare(y, undefined, {numeric: true})
          : nx - ny;
        return up ? c : -c;
      });
      rows.forEach((row) => body.appendChild(row));
    });
  });
  const box = document.getElementById("netlab-filter");
  const bright = document.getElementById("netlab-bright-only");
  const count = document.getElementById("netlab-shown");
  const apply = () => {
    const q = box.value.trim().toLowerCase();
    let shown = 0;
    for (const row of body.rows) {
      row.hidden = (q && !row.textContent.toLowerCase().includes(q))
        || (bright && bright.checked && row.dataset.bright !== "yes");
      shown += row.hidden ? 0 : 1;
    }
    count.textContent = `${shown} of ${body.rows.length} shown`;
  };
  box.addEventListener("input", apply);
  if (bright) bright.addEventListener("change", apply);
  apply();
})();
"""
