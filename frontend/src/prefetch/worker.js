// The notebook page's prefetch worker. index.html starts it before the bundle loads (vite.config.ts inlines
// this file there: the worker runs from a blob made of these functions' source, so it imports nothing and
// is plain ES5 like the rest of index.html's script).
//
// It fetches the page's notebook and posts it to the page. A big one is posted as it arrives: the text of its
// cells in batches, then the rest of the contents model with an empty cells array. The page shows the first
// cells while the others are still on the way, and has handled most of them by the time the last byte is in.

/** Splits a contents model's JSON text, fed in pieces, into the text of each cell of content.cells and the
 * rest of the model (its cells array left empty). Strings are skipped with indexOf, so the cost is in the
 * JSON's structure, not in its (big, base64) strings. */
function folioCellSplitter() {
  var stack = []; // the open containers: "o" (object) or "a" (array)
  var keys = []; // the latest key of each open object, for the first two levels only
  var expectKey = false;
  var inStr = false;
  var esc = false;
  var keyParts = null; // a key being read
  var inCells = false;
  var found = false;
  var bad = false;
  var cellParts = null; // the pieces of the cell being read
  var cells = [];
  var rest = [];
  return {
    feed: function (s) {
      var n = s.length;
      var i = 0;
      var nq = -1; // the next '"' and '\' at or after i (n: none left)
      var nb = -1;
      var restFrom = inCells ? -1 : 0;
      var cellFrom = cellParts ? 0 : -1;
      var keyFrom = 0;
      while (i < n) {
        if (inStr) {
          if (esc) {
            esc = false;
            i++;
            continue;
          }
          if (nq < i) {
            nq = s.indexOf('"', i);
            if (nq < 0) nq = n;
          }
          if (nb < i) {
            nb = s.indexOf("\\", i);
            if (nb < 0) nb = n;
          }
          if (nb < nq) {
            i = nb + 1;
            esc = true;
            continue;
          }
          if (nq === n) break;
          inStr = false;
          if (keyParts) {
            keyParts.push(s.slice(keyFrom, nq));
            keys[stack.length - 1] = keyParts.join("");
            keyParts = null;
          }
          i = nq + 1;
          continue;
        }
        var c = s.charCodeAt(i);
        var d = stack.length;
        if (c === 34) {
          // '"'
          if (inCells && d === 3) bad = true; // a cell that is not an object
          inStr = true;
          if (expectKey) {
            expectKey = false;
            if (d <= 2) {
              keyParts = [];
              keyFrom = i + 1;
            }
          }
        } else if (c === 123 || c === 91) {
          // '{' or '['
          if (c === 91 && d === 2 && stack[0] === "o" && stack[1] === "o" && keys[0] === "content" && keys[1] === "cells") {
            if (found) bad = true; // a second cells array
            found = true;
            inCells = true;
            rest.push(s.slice(restFrom, i + 1));
            restFrom = -1;
          } else if (inCells && d === 3) {
            if (c === 91) bad = true;
            cellParts = [];
            cellFrom = i;
          }
          stack.push(c === 123 ? "o" : "a");
          keys[d] = null;
          expectKey = c === 123;
        } else if (c === 125 || c === 93) {
          // '}' or ']'
          stack.pop();
          expectKey = false;
          if (inCells && d === 4) {
            cellParts.push(s.slice(cellFrom, i + 1));
            cells.push(cellParts.join(""));
            cellParts = null;
            cellFrom = -1;
          } else if (inCells && d === 3) {
            inCells = false;
            restFrom = i;
          }
        } else if (c === 44) {
          // ','
          expectKey = stack[d - 1] === "o";
        } else if (inCells && d === 3 && c !== 32 && c !== 10 && c !== 13 && c !== 9) {
          bad = true; // a number, true, false or null for a cell
        }
        i++;
      }
      if (keyParts) keyParts.push(s.slice(keyFrom));
      if (cellParts && cellFrom >= 0) cellParts.push(s.slice(cellFrom));
      if (restFrom >= 0) rest.push(s.slice(restFrom));
    },
    /** Whether the cells array has been read to its end. */
    cellsDone: function () {
      return found && !inCells;
    },
    /** The text of the cells read since the last call. */
    take: function () {
      var out = cells;
      cells = [];
      return out;
    },
    /** The rest of the model once all of it was fed; null if the text was not a contents model whose
     * content.cells is an array of objects (then the caller has to use the whole text). */
    end: function () {
      return found && !bad && !inCells && !inStr && stack.length === 0 ? rest.join("") : null;
    },
  };
}

/** The worker's body: fetch url, post {status, statusText, body} (small or not-ok responses, or a body the
 * splitter did not take), or, for a body of streamAbove bytes or more, {cells} batches (a JSON array's text)
 * then {status, statusText, cells, rest}; {error} if the fetch failed. */
function folioPrefetchWorker(url, headers, streamAbove) {
  fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
    .then(function (r) {
      var base = { status: r.status, statusText: r.statusText };
      var size = Number(r.headers.get("Content-Length")) || 0;
      if (!r.ok || !r.body || !self.TextDecoder || size < streamAbove) {
        return r.text().then(function (t) {
          base.body = t;
          postMessage(base);
        });
      }
      var reader = r.body.getReader();
      var decoder = new TextDecoder();
      var split = folioCellSplitter();
      var all = [];
      var ready = [];
      var posted = 0;
      function next() {
        return reader.read().then(function (x) {
          var t = x.done ? decoder.decode() : decoder.decode(x.value, { stream: true });
          if (t) {
            all.push(t);
            split.feed(t);
          }
          var got = split.take();
          for (var k = 0; k < got.length; k++) ready.push(got[k]);
          if (x.done) {
            var rest = split.end();
            if (rest === null) base.body = all.join("");
            else {
              base.cells = ready.length ? "[" + ready.join(",") + "]" : null;
              base.rest = rest;
            }
            postMessage(base);
            return;
          }
          // The first cells at once (they are the first screen), then a batch per ~64 cells: each batch is a
          // task of the page's, short enough to let it paint between them. The last ones come with the rest
          // of the model, so that the page has its last cell and the whole notebook in the same task (it
          // ignores clicks until it has the whole notebook).
          if (ready.length && !split.cellsDone() && (posted === 0 || ready.length >= 64)) {
            postMessage({ cells: "[" + ready.join(",") + "]" });
            posted += ready.length;
            ready = [];
          }
          return next();
        });
      }
      return next();
    })
    .catch(function (err) {
      postMessage({ error: String(err) });
    });
}
