/* 联办 apply pages: a filter box above a long select (民族、行业、国籍): typing hides the options
   that do not match. The select works the same without it. */
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-filter]")) return;
  var select = document.getElementById(box.getAttribute("data-filter"));
  if (!select) return;
  var words = box.value.trim().toLowerCase();
  var first = null;
  Array.prototype.forEach.call(select.options, function (option) {
    var match = !option.value || !words || option.text.toLowerCase().indexOf(words) >= 0 || option.value.toLowerCase() === words;
    option.hidden = !match;
    if (match && option.value && !first) first = option;
  });
  var shown = Array.prototype.filter.call(select.options, function (o) { return o.value && !o.hidden; });
  if (shown.length === 1 && select.value !== shown[0].value) {
    select.value = shown[0].value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
});
