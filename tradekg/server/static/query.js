// The query page: runs the editor's query against the SPARQL endpoint and shows the results as a table.
// No framework, no CDN, no inline script (the page works under a strict Content-Security-Policy): plain DOM
// calls, and every value goes in as text (never as HTML).
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  if (!form) { return; }
  var endpoint = form.getAttribute("data-endpoint");
  var datasetBase = form.getAttribute("data-dataset-base");
  var pageBase = form.getAttribute("data-page-base");
  var queryPage = form.getAttribute("data-query-page");
  var editor = document.getElementById("query");
  var picker = document.getElementById("example");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var csvButton = document.getElementById("download-csv");
  var jsonButton = document.getElementById("download-json");
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  var namespaces = JSON.parse(document.getElementById("namespaces").textContent);
  var longestFirst = Object.keys(namespaces).sort(function (a, b) {
    return namespaces[b].length - namespaces[a].length;
  });
  var lastQuery = null;
  var lastJson = null;
  var LABEL_BATCH = 400;
  var MAX_URL = 8000;

  // -- examples ------------------------------------------------------------------------------------

  picker.addEventListener("change", function () {
    var option = picker.options[picker.selectedIndex];
    if (option && option.getAttribute("data-params")) {
      // A named query with parameters: the page asks for them (and fills in its examples).
      window.location.assign(queryPage + "?" + new URLSearchParams({ name: picker.value }).toString());
      return;
    }
    for (var i = 0; i < examples.length; i++) {
      if (examples[i].name === picker.value) {
        var text = examples[i].query;
        editor.value = /^\s*PREFIX/i.test(text) ? text : prefixes + "\n\n" + text;
      }
    }
  });

  // -- terms ---------------------------------------------------------------------------------------

  function compact(iri) {
    for (var i = 0; i < longestFirst.length; i++) {
      var ns = namespaces[longestFirst[i]];
      var local = iri.substring(ns.length);
      if (iri.indexOf(ns) === 0 && local && !/[\/#]/.test(local)) { return longestFirst[i] + ":" + local; }
    }
    for (var j = 0; j < longestFirst.length; j++) {
      var namespace = namespaces[longestFirst[j]];
      if (iri.indexOf(namespace) === 0 && iri.length > namespace.length) {
        return longestFirst[j] + ":" + iri.substring(namespace.length);
      }
    }
    return iri;
  }

  function linkFor(iri) {
    if (datasetBase && iri.indexOf(datasetBase) === 0 && iri.length > datasetBase.length) {
      return pageBase + iri.substring(datasetBase.length);
    }
    return /^https?:\/\//i.test(iri) ? iri : null;  // never a javascript: or data: link
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];

  // A date as a person reads it ("12 March 2025", "July 2025"); the literal stays in the cell's title.
  function dateInWords(term) {
    var kind = /#(date|gYearMonth)$/.exec(term.datatype || "");
    var parts = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(term.value);
    if (!kind || !parts || (kind[1] === "date") !== Boolean(parts[3])) { return ""; }
    var month = MONTHS[parseInt(parts[2], 10) - 1];
    if (!month) { return ""; }
    return (parts[3] ? parseInt(parts[3], 10) + " " : "") + month + " " + parts[1];
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var link = linkFor(term.value);
      var a = document.createElement(link ? "a" : "span");  // never a javascript: or data: link
      if (link) { a.href = link; }
      a.className = "term";
      a.setAttribute("data-iri", term.value);
      a.textContent = compact(term.value);
      a.title = term.value;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "bnode";
    } else {
      td.textContent = dateInWords(term) || term.value;
      var note = "";
      if (term["xml:lang"]) {
        note = "language: " + term["xml:lang"];
      } else if (term.datatype && !/#string$/.test(term.datatype)) {
        note = "datatype: " + compact(term.datatype) + (dateInWords(term) ? ", " + term.value : "");
        if (/#(decimal|integer|double|float|int|long)$/.test(term.datatype)) { td.className = "num"; }
      }
      if (note) { td.title = note; }
    }
    return td;
  }

  // Labels beside IRIs: one SPARQL query per batch of IRIs, after the table is drawn.
  function addLabels(table) {
    var links = table.querySelectorAll("a.term");
    var byIri = {};
    for (var i = 0; i < links.length; i++) {
      var iri = links[i].getAttribute("data-iri");
      if (/^[^<>"{}|^`\\\s]+$/.test(iri)) { (byIri[iri] = byIri[iri] || []).push(links[i]); }
    }
    var iris = Object.keys(byIri);
    for (var start = 0; start < iris.length; start += LABEL_BATCH) {
      fetchLabels(iris.slice(start, start + LABEL_BATCH), byIri);
    }
  }

  function fetchLabels(iris, byIri) {
    var query = "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { " +
      iris.map(function (iri) { return "<" + iri + ">"; }).join(" ") +
      " } ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l " +
      "FILTER(LANG(?l) = \"\" || LANGMATCHES(LANG(?l), \"en\")) } GROUP BY ?s";
    post(query, "application/sparql-results+json").then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      data.results.bindings.forEach(function (row) {
        if (!row.label) { return; }
        (byIri[row.s.value] || []).forEach(function (link) {
          var shown = link.textContent;
          link.textContent = row.label.value;
          var small = document.createElement("span");
          small.className = "iri";
          small.textContent = shown;
          link.parentNode.appendChild(document.createTextNode(" "));
          link.parentNode.appendChild(small);
        });
      });
    }).catch(function () { /* labels are a nicety: the IRIs stay */ });
  }

  function showTable(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "boolean";
      p.textContent = data.boolean ? "true" : "false";
      results.appendChild(p);
      return 1;
    }
    var vars = data.head.vars;
    var rows = data.results.bindings;
    var table = document.createElement("table");
    table.className = "results-table";
    var head = table.createTHead().insertRow();
    vars.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (binding) {
      var tr = body.insertRow();
      vars.forEach(function (name) { tr.appendChild(cell(binding[name])); });
    });
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    results.appendChild(wrap);
    addLabels(table);
    return rows.length;
  }

  function showText(text, isError) {
    results.textContent = "";
    var pre = document.createElement("pre");
    pre.className = isError ? "error" : "graph";
    pre.textContent = text;
    results.appendChild(pre);
  }

  // -- errors that point at their place ------------------------------------------------------------

  function offsetOf(text, line, column) {
    var lines = text.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
    return Math.min(text.length, offset + Math.max(0, column - 1));
  }

  function explain(message, lineText, column, before) {
    // A prefixed name with a slash (id:country/JPN) is not one SPARQL name: the parser reads "/JPN" as a property
    // path and stops at the slash or later, on the same line or the next. The last such name before the error.
    var slashed = /([A-Za-z][\w.-]*):([\w.-]+)\/([\w.\/-]+)/g;
    var name, last = null;
    while ((name = slashed.exec(before.split("\n").slice(-2).join("\n"))) !== null) { last = name; }
    if (last) {
      return "\u201c" + last[0] + "\u201d is not one SPARQL name: a prefixed name cannot hold \u201c/\u201d. " +
        "Write " + (last[1] === "id" ? last[2] + ":" + last[3] + ", or " : "") +
        "escape the slash: " + last[1] + ":" + last[2] + "\\/" + last[3].replace(/\//g, "\\/") + ".";
    }
    if (/Prefix not found|prefix/i.test(message)) {
      var before = lineText.substring(0, Math.max(0, column - 1));
      var found = /([A-Za-z][\w.-]*)?:[\w.\-/]*$/.exec(before);
      if (found) {
        return "Unknown prefix \u201c" + (found[1] || "") + ":\u201d. Declare it with PREFIX, or use a predeclared " +
          "one such as country: or measure: (for id/country/JPN write country:JPN).";
      }
    }
    var expected = /expected (.*)/.exec(message);
    return expected ? "The query cannot be read here; the parser expected " +
      expected[1].split("\n")[0].substring(0, 160) : message.split("\n")[0];
  }

  function showSyntaxError(text, query) {
    var where = /at (\d+):(\d+)/.exec(text);
    if (!where) { showText(text, true); return; }
    var line = parseInt(where[1], 10);
    var column = parseInt(where[2], 10);
    var lines = query.split("\n");
    var lineText = lines[line - 1] || "";
    results.textContent = "";
    var box = document.createElement("div");
    box.className = "syntax-error";
    box.setAttribute("role", "alert");
    var heading = document.createElement("p");
    heading.className = "where";
    heading.textContent = "Syntax error at line " + line + ", column " + column + ": " +
      explain(text, lineText, column, query.substring(0, offsetOf(query, line, column)));
    box.appendChild(heading);
    var context = document.createElement("pre");
    context.className = "error-context";
    for (var n = Math.max(1, line - 2); n <= Math.min(lines.length, line); n++) {
      var row = document.createElement("span");
      row.className = n === line ? "line error-line" : "line";
      row.setAttribute("data-line", String(n));
      row.textContent = String(n).padStart(4, " ") + " | " + lines[n - 1] + "\n";
      context.appendChild(row);
    }
    var caret = document.createElement("span");
    caret.className = "caret";
    caret.textContent = "       " + " ".repeat(Math.max(0, column - 1)) + "^\n";
    context.appendChild(caret);
    box.appendChild(context);
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "The parser's message";
    details.appendChild(summary);
    var raw = document.createElement("pre");
    raw.className = "error";
    raw.textContent = text;
    details.appendChild(raw);
    box.appendChild(details);
    results.appendChild(box);
    var at = offsetOf(query, line, column);
    editor.focus();
    editor.setSelectionRange(Math.max(0, at - 1), Math.min(query.length, at));
  }

  // -- running -------------------------------------------------------------------------------------

  function post(query, accept) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "Accept": accept, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: query }).toString()
    });
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function remember(query) {
    // The address now holds the query: shared or reloaded, it runs it again.
    var url = queryPage + "?" + new URLSearchParams({ query: query }).toString();
    if (url.length > MAX_URL) { return; }  // too long for an address servers and browsers all accept
    if (window.location.pathname + window.location.search !== url) { window.history.replaceState(null, "", url); }
  }

  function run() {
    var query = editor.value;
    var started = performance.now();
    status.textContent = "Running…";
    csvButton.disabled = jsonButton.disabled = true;
    remember(query);
    post(query, "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1").then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!response.ok) {
          status.textContent = "Error " + response.status;
          if (response.status === 400 && /syntax error/i.test(text)) {
            showSyntaxError(text, query);
          } else {
            showText(text, true);
          }
          return;
        }
        if (type.indexOf("json") >= 0 && type.indexOf("ld+json") < 0) {
          var count = showTable(JSON.parse(text));
          lastQuery = query;
          lastJson = text;
          csvButton.disabled = jsonButton.disabled = false;
          status.textContent = count + " result" + (count === 1 ? "" : "s") + " in " + seconds + " s";
        } else {
          showText(text, false);
          status.textContent = "Graph result in " + seconds + " s";
        }
      });
    }).catch(function (error) {
      status.textContent = "The endpoint did not answer: " + error;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });

  jsonButton.addEventListener("click", function () {
    if (lastJson !== null) { download("results.json", "application/sparql-results+json", lastJson); }
  });

  csvButton.addEventListener("click", function () {
    if (lastQuery === null) { return; }
    post(lastQuery, "text/csv").then(function (response) { return response.text(); }).then(function (text) {
      download("results.csv", "text/csv", text);
    });
  });

  if (form.getAttribute("data-autorun") === "true") { run(); }
}());
