// The book's own script (every page; see book/_ext/course_html.py): name each cell of a
// stacked table (class course-stack) after its column, for narrow screens (course.css).
document.querySelectorAll("table.course-stack").forEach((table) => {
  const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    [...row.children].forEach((cell, i) => {
      if (names[i]) cell.dataset.label = names[i];
    });
  });
});
