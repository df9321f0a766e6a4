/* 监管看板: draw each chart from its JSON block (the same rows as the table beside it).
   No inline script: each <div data-chart="ID"> names a <script type="application/json" id="ID">. */
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = document.getElementById(el.getAttribute("data-chart"));
      if (!data) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var option = JSON.parse(data.textContent);
      option.animation = false;
      option.textStyle = { fontFamily: "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif" };
      chart.setOption(option);
      el.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
