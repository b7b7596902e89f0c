// The case list's "select every case on this page" box (bulk actions).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-bulk-all]");
  if (!all) { return; }
  document.querySelectorAll('input[name="cases"][form="bulk"]').forEach((box) => { box.checked = all.checked; });
});
