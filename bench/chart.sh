#!/usr/bin/env bash
# chart.sh RAW.tsv > chart.svg: grouped horizontal bars, throughput per scenario
# as a ratio to nginx (median over rounds), one bar per peer. Plain SVG, no tools.
set -uo pipefail
RAW=$1
awk -F'\t' '
  function median(key,    n, i, j, t, a) {
    n = split(samples[key], a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { if (!($1 in seen)) { seen[$1] = 1; peers[++np] = $1 }
    samples[$1 SUBSEP $3] = samples[$1 SUBSEP $3] " " $4 }
  END {
    ns = split("ka16_rps ka256_rps close_rps st4k_rps st1m_rps curl_rps ka16_cpu_us close_cpu_us st4k_cpu_us", sc, " ")
    split("keep-alive -c16|keep-alive -c256|Connection: close -c16|static 4 KiB|static 1 MiB|libcurl loop -c16|CPU per request, keep-alive -c16 (lower is better)|CPU per request, Connection: close (lower is better)|CPU per request, static 4 KiB (lower is better)", label, "|")
    split("#2b6cb0 #9b2c2c #b7791f #2f855a #6b46c1 #dd6b20 #1a202c #718096", color, " ")
    scale = 260; x0 = 190; y = 50; maxr = 2.0
    # rows first, to know the height
    for (s = 1; s <= ns; s++) {
      ref = samples["nginx" SUBSEP sc[s]]; if (ref == "") continue
      refm = median("nginx" SUBSEP sc[s]); if (refm <= 0) continue
      rows = rows sprintf("<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n", y + 12, label[s]); y += 18
      for (p = 1; p <= np; p++) {
        k = peers[p] SUBSEP sc[s]; if (samples[k] == "") continue
        r = median(k) / refm; w = (r > maxr ? maxr : r) * scale
        rows = rows sprintf("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", x0 - 6, y + 11, peers[p])
        rows = rows sprintf("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>", x0, y, w, color[(p - 1) % 8 + 1])
        unit = sc[s] ~ /_cpu_us$/ ? " µs" : "/s"
        rows = rows sprintf("<text x=\"%.1f\" y=\"%d\">%.2f× (%.*f%s)</text>\n", x0 + w + 4, y + 11, r, unit == "/s" ? 0 : 1, median(k), unit)
        y += 17
      }
      y += 10
    }
    h = y + 10; wdt = x0 + maxr * scale + 130
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", wdt, h
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Throughput and CPU per request relative to nginx (same run, 4 workers, 2 shared cores; median of rounds)</text>\n"
    for (t = 0; t <= maxr; t += 0.5) {
      printf "<line x1=\"%.1f\" y1=\"34\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>", x0 + t * scale, x0 + t * scale, h - 8, t == 1 ? "#000" : "#ddd"
      printf "<text x=\"%.1f\" y=\"44\" text-anchor=\"middle\" fill=\"#555\">%.1f×</text>\n", x0 + t * scale, t
    }
    printf "%s</svg>\n", rows
  }' "$RAW"
