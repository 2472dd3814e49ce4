// Added to a copy of a report by tests/test_report_browser.py (with its hash in the page's CSP):
// once the figures are drawn it reads the map in both colourings, hovers its first point in
// each, and writes what it found as JSON into <body data-probe>.
(function () {
  "use strict";
  function visibleHover(el) {
    var n = 0, points = 0;
    el.data.forEach(function (t) {
      if (t.visible !== false) {
        points += t.x.length;
        n += (t.hovertext || []).filter(function (h) { return h.indexOf("<br>") > 0; }).length;
      }
    });
    return { points: points, with_text: n };
  }
  function hoverLabel(el) {
    var i = el.data.findIndex(function (t) { return t.visible !== false && t.x.length > 0; });
    var xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
    Plotly.Fx.hover(el, { xpx: xa.l2p(el.data[i].x[0]), ypx: ya.l2p(el.data[i].y[0]) }, "xy");
    var label = el.querySelector(".hoverlayer .hovertext");
    var text = label ? label.textContent : "";
    Plotly.Fx.unhover(el);
    return text;
  }
  function check() {
    if (!document.documentElement.hasAttribute("data-figures-rendered")) { setTimeout(check, 50); return; }
    var el = document.getElementById("plot-map");
    var out = { topic: visibleHover(el), topic_label: hoverLabel(el),
                types: el._fullData.map(function (t) { return t.type; }) };
    var buttons = el.querySelectorAll(".updatemenu-button");
    out.buttons = buttons.length;
    buttons[1].dispatchEvent(new MouseEvent("click", { bubbles: true }));
    setTimeout(function () {
      out.lang = visibleHover(el);
      out.lang_label = hoverLabel(el);
      out.legend = el.layout.legend.title.text;
      out.plots = document.querySelectorAll(".plot .main-svg").length;
      document.body.setAttribute("data-probe", JSON.stringify(out));
    }, 300);
  }
  check();
})();
