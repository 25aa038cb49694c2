// The ROI calculator of a use case: the formulas of reports/calculator.py (docs/methodology.md),
// run in the reader's browser, offline. No external file, no storage, nothing sent anywhere.
(function () {
  "use strict";
  var form = document.getElementById("calculateur");
  var NNBSP = "\u202f", NBSP = "\u00a0", MINUS = "\u2212", SENSITIVITY = 0.2;
  var perPatient = parseFloat(form.dataset.perPatient);
  var low = parseFloat(form.dataset.low), high = parseFloat(form.dataset.high);
  var FIELDS = {
    patients: { min: 1, max: 10000000, required: true, message: "Saisissez un nombre de patients supérieur à 0, par exemple 1 200." },
    adoption: { min: 0, max: 100, required: true, message: "Saisissez un pourcentage entre 0 et 100, par exemple 37,5." },
    acquisition: { min: 0, max: 1e9, required: true, message: "Saisissez un montant en euros, 0 ou plus, par exemple 80 000." },
    fonctionnement: { min: 0, max: 1e9, required: true, message: "Saisissez un montant annuel en euros, 0 ou plus, par exemple 12 000." },
    actualisation: { min: 0, max: 20, required: false, message: "Saisissez un taux entre 0 et 20 %, ou laissez vide." }
  };

  function fr(value, decimals) {
    var factor = Math.pow(10, decimals);
    var text = (Math.round(Math.abs(value) * factor) / factor).toFixed(decimals);
    var parts = text.split(".");
    var out = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP) + (decimals ? "," + parts[1] : "");
    return (value < 0 && /[1-9]/.test(out) ? MINUS : "") + out;
  }
  function euros(value) { return fr(value, 0) + NBSP + "€"; }
  function percent(ratio) { return ratio === null ? "—" : fr(100 * ratio, 0) + NBSP + "%"; }

  function parse(text) {
    var cleaned = String(text).replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    return /^\d+(\.\d+)?$/.test(cleaned) ? parseFloat(cleaned) : NaN;
  }

  function readInputs() {
    var values = {}, valid = true;
    Object.keys(FIELDS).forEach(function (name) {
      var rule = FIELDS[name], input = document.getElementById(name);
      var error = document.getElementById(name + "-erreur");
      var empty = input.value.trim() === "";
      var value = empty && !rule.required ? 0 : parse(input.value);
      var ok = !isNaN(value) && value >= rule.min && value <= rule.max;
      input.setAttribute("aria-invalid", ok ? "false" : "true");
      error.textContent = ok ? "" : rule.message;
      valid = valid && ok;
      values[name] = value;
    });
    if (!valid) { return null; }
    return {
      patients: values.patients, uptake: values.adoption / 100, acquisition: values.acquisition,
      running: values.fonctionnement, years: parseInt(document.getElementById("horizon").value, 10),
      discount: values.actualisation / 100, perPatient: perPatient
    };
  }

  function ratio(net, costs) { return costs ? net / costs : null; }

  function project(p) {
    var years = [], cumCosts = 0, cumGains = 0;
    for (var y = 1; y <= p.years; y++) {
      var factor = Math.pow(1 + p.discount, -(y - 1));
      var costs = (p.running + (y === 1 ? p.acquisition : 0)) * factor;
      var gains = p.patients * p.uptake * p.perPatient * factor;
      cumCosts += costs; cumGains += gains;
      years.push({ number: y, costs: costs, gains: gains, net: gains - costs, roi: ratio(gains - costs, costs),
        cumNet: cumGains - cumCosts, cumRoi: ratio(cumGains - cumCosts, cumCosts), cumCosts: cumCosts, cumGains: cumGains });
    }
    return years;
  }

  function breakEven(p) {
    var costs = p.acquisition, gains = 0;
    for (var m = 1; m <= 12 * p.years; m++) {
      var factor = Math.pow(1 + p.discount, -Math.floor((m - 1) / 12));
      costs += p.running / 12 * factor;
      gains += p.patients * p.uptake * p.perPatient / 12 * factor;
      if (gains >= costs - 1e-9) { return m; }
    }
    return null;
  }

  function withChange(p, changes) {
    var copy = {};
    Object.keys(p).forEach(function (k) { copy[k] = p[k]; });
    Object.keys(changes).forEach(function (k) { copy[k] = changes[k]; });
    return copy;
  }
  function cumulatedNet(p) { var y = project(p); return y[y.length - 1].cumNet; }

  function tornado(p) {
    var s = SENSITIVITY, moves = [
      ["Gain par patient", { perPatient: low }, { perPatient: high }],
      ["Patients par an", { patients: p.patients * (1 - s) }, { patients: p.patients * (1 + s) }],
      ["Taux d'adoption", { uptake: p.uptake * (1 - s) }, { uptake: Math.min(1, p.uptake * (1 + s)) }],
      ["Coût d'acquisition", { acquisition: p.acquisition * (1 + s) }, { acquisition: p.acquisition * (1 - s) }],
      ["Coût annuel de fonctionnement", { running: p.running * (1 + s) }, { running: p.running * (1 - s) }]
    ];
    return moves.map(function (m) {
      return { label: m[0], low: cumulatedNet(withChange(p, m[1])), high: cumulatedNet(withChange(p, m[2])) };
    }).sort(function (a, b) { return Math.abs(b.high - b.low) - Math.abs(a.high - a.low); });
  }

  function cell(row, text, value, label) {
    var td = document.createElement("td");
    td.className = "num";
    td.textContent = text;
    if (label) { td.setAttribute("data-label", label); }
    if (value !== undefined && value !== null) { td.setAttribute("data-value", String(value)); }
    row.appendChild(td);
  }

  function number(text, value) {
    var span = document.createElement("span");
    span.textContent = text;
    span.setAttribute("data-value", String(value));
    return span;
  }

  function showYears(years) {
    var body = document.querySelector("#par-annee tbody");
    body.textContent = "";
    years.forEach(function (y) {
      var row = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = "Année " + y.number;
      row.appendChild(th);
      cell(row, euros(y.costs), y.costs, "Coûts");
      cell(row, euros(y.gains), y.gains, "Gains");
      cell(row, euros(y.net), y.net, "Résultat net");
      cell(row, percent(y.roi), y.roi, "ROI de l'année");
      cell(row, euros(y.cumNet), y.cumNet, "Résultat net cumulé");
      cell(row, percent(y.cumRoi), y.cumRoi, "ROI cumulé");
      body.appendChild(row);
    });
  }

  function showSummary(p, years, month) {
    var last = years[years.length - 1], summary = document.getElementById("synthese");
    summary.textContent = "";
    summary.appendChild(document.createTextNode("Sur " + p.years + " an" + (p.years > 1 ? "s" : "") + " : résultat net cumulé "));
    summary.appendChild(number(euros(last.cumNet), last.cumNet)).id = "net-cumule";
    summary.appendChild(document.createTextNode(", ROI cumulé "));
    summary.appendChild(number(percent(last.cumRoi), last.cumRoi)).id = "roi-cumule";
    summary.appendChild(document.createTextNode(month === null ? ", point mort non atteint sur l'horizon." : ", point mort au mois "));
    if (month !== null) {
      summary.appendChild(number(String(month), month)).id = "point-mort";
      summary.appendChild(document.createTextNode("."));
    }
    var lowP = project(withChange(p, { perPatient: low })), highP = project(withChange(p, { perPatient: high }));
    var a = lowP[lowP.length - 1], b = highP[highP.length - 1];
    var range = document.getElementById("fourchette");
    range.textContent = "Fourchette (gain par patient de " + euros(low) + " à " + euros(high) + ") : résultat net cumulé de ";
    range.appendChild(number(euros(a.cumNet), a.cumNet)).id = "net-bas";
    range.appendChild(document.createTextNode(" à "));
    range.appendChild(number(euros(b.cumNet), b.cumNet)).id = "net-haut";
    range.appendChild(document.createTextNode(", ROI cumulé de " + percent(a.cumRoi) + " à " + percent(b.cumRoi) + "."));
  }

  function svg(name, attributes) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    return node;
  }

  function showTornado(bars, base) {
    var width = 680, band = 250, row = 30, plot = width - band - 20;
    var values = [base];
    bars.forEach(function (b) { values.push(b.low, b.high); });
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    if (max === min) { max = min + 1; }
    function x(v) { return band + (v - min) / (max - min) * plot; }
    var root = svg("svg", { viewBox: "0 0 " + width + " " + (row * bars.length + 30), width: width,
      height: row * bars.length + 30, role: "img", "aria-labelledby": "tornade-titre", focusable: "false" });
    bars.forEach(function (b, i) {
      var y = 10 + i * row;
      var label = svg("text", { x: band - 8, y: y + 15, "text-anchor": "end", "font-size": 12, fill: "#1e1e1e" });
      label.textContent = b.label;
      root.appendChild(label);
      [[b.low, "#6a6a6a"], [b.high, "#000091"]].forEach(function (pair) {
        var left = Math.min(x(base), x(pair[0])), w = Math.max(1, Math.abs(x(pair[0]) - x(base)));
        root.appendChild(svg("rect", { x: left, y: y + 2, width: w, height: row - 10, fill: pair[1] }));
      });
    });
    root.appendChild(svg("line", { x1: x(base), x2: x(base), y1: 4, y2: row * bars.length + 14, stroke: "#1e1e1e", "stroke-width": 2 }));
    var caption = svg("text", { x: x(base), y: row * bars.length + 27, "text-anchor": "middle", "font-size": 12, fill: "#1e1e1e" });
    caption.textContent = "estimation centrale : " + euros(base);
    root.appendChild(caption);
    var holder = document.getElementById("tornade");
    holder.textContent = "";
    holder.appendChild(root);
    var body = document.querySelector("#sensibilite tbody");
    body.textContent = "";
    bars.forEach(function (b) {
      var tr = document.createElement("tr"), th = document.createElement("th");
      th.scope = "row";
      th.textContent = b.label;
      tr.appendChild(th);
      cell(tr, euros(b.low), b.low, "Valeur basse");
      cell(tr, euros(b.high), b.high, "Valeur haute");
      cell(tr, euros(Math.abs(b.high - b.low)), Math.abs(b.high - b.low), "Écart");
      body.appendChild(tr);
    });
  }

  function csvNumber(value) { return value === null ? "" : String(Math.round(value * 100) / 100).replace(".", ","); }

  function exportCsv(p, years) {
    var lines = ["annee;couts_eur;gains_eur;resultat_net_eur;roi;resultat_net_cumule_eur;roi_cumule;patients_par_an;adoption;gain_par_patient_eur;taux_actualisation"];
    years.forEach(function (y) {
      lines.push([y.number, csvNumber(y.costs), csvNumber(y.gains), csvNumber(y.net), csvNumber(y.roi),
        csvNumber(y.cumNet), csvNumber(y.cumRoi), csvNumber(p.patients), csvNumber(p.uptake),
        csvNumber(p.perPatient), csvNumber(p.discount)].join(";"));
    });
    document.getElementById("export").href = "data:text/csv;charset=utf-8," + encodeURIComponent("\ufeff" + lines.join("\r\n") + "\r\n");
  }

  function update() {
    var p = readInputs();
    if (p === null) { return; }
    var years = project(p);
    showYears(years);
    showSummary(p, years, breakEven(p));
    showTornado(tornado(p), years[years.length - 1].cumNet);
    exportCsv(p, years);
  }

  // The reader's category chooses the published basis: its group's when published, else the nation's.
  var category = document.getElementById("categorie");
  function chooseBasis() {
    var option = category.options[category.selectedIndex];
    perPatient = parseFloat(option.dataset.perPatient);
    low = parseFloat(option.dataset.low);
    high = parseFloat(option.dataset.high);
    document.getElementById("base-utilisee").textContent = option.dataset.text;
    document.getElementById("base-estimation").textContent = option.dataset.text;
  }
  // Once the reader types their own figures, the results are no longer the example's.
  form.addEventListener("input", function (event) {
    if (event.target !== category) { document.getElementById("exemple-resultat").hidden = true; }
  });
  category.addEventListener("change", chooseBasis);
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  form.addEventListener("change", update);
  update();
})();
