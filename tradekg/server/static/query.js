// The query page: runs the editor's query against the SPARQL endpoint and shows the results as a table.
// No framework, no CDN: plain DOM calls, and every value goes in as text (never as HTML).
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  if (!form) { return; }
  var endpoint = form.getAttribute("data-endpoint");
  var datasetBase = form.getAttribute("data-dataset-base");
  var pageBase = form.getAttribute("data-page-base");
  var editor = document.getElementById("query");
  var picker = document.getElementById("example");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var csvButton = document.getElementById("download-csv");
  var jsonButton = document.getElementById("download-json");
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var prefixes = JSON.parse(document.getElementById("prefixes").textContent);
  var lastQuery = null;
  var lastJson = null;

  picker.addEventListener("change", function () {
    for (var i = 0; i < examples.length; i++) {
      if (examples[i].name === picker.value) {
        var text = examples[i].query;
        editor.value = /^\s*PREFIX/i.test(text) ? text : prefixes + "\n\n" + text;
      }
    }
  });

  function linkFor(iri) {
    if (datasetBase && iri.indexOf(datasetBase) === 0 && iri.length > datasetBase.length) {
      return pageBase + iri.substring(datasetBase.length);
    }
    return /^https?:\/\//i.test(iri) ? iri : null;  // never a javascript: or data: link
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var link = linkFor(term.value);
      var a = document.createElement(link ? "a" : "span");
      if (link) { a.href = link; }
      a.textContent = term.value.indexOf(datasetBase) === 0 ? term.value.substring(datasetBase.length) : term.value;
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.appendChild(document.createTextNode(term.value));
      var note = term["xml:lang"] ? "@" + term["xml:lang"] : "";
      if (term.datatype && !/#string$/.test(term.datatype)) {
        note = term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:");
      }
      if (note) {
        var span = document.createElement("span");
        span.className = "datatype";
        span.textContent = " " + note;
        td.appendChild(span);
      }
    }
    return td;
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
    return rows.length;
  }

  function showText(text, isError) {
    results.textContent = "";
    var pre = document.createElement("pre");
    pre.className = isError ? "error" : "graph";
    pre.textContent = text;
    results.appendChild(pre);
  }

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

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = editor.value;
    var started = performance.now();
    status.textContent = "Running…";
    csvButton.disabled = jsonButton.disabled = true;
    post(query, "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1").then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!response.ok) {
          status.textContent = "Error " + response.status;
          showText(text, true);
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
}());
