# SPDX-License-Identifier: GPL-2.0-or-later
# P4: one transaction adding n subregions (adds, one render, publication).
# gnuplot -e "datadir='DIR'; output='FILE.png'" p4-render.gp
set terminal pngcairo size 900,560 font ",10" noenhanced
set output output
set title "P4: adding n subregions in one transaction"
set logscale xy
set xlabel "subregions added"
set ylabel "ms (median, bars: min..max)"
set y2label "ns per region"
set y2tics
set y2range [0:*]
set ytics nomirror
set key top left
set grid
f = datadir."/p4-render.dat"
plot f using 1:($2/1e6):($3/1e6):($4/1e6) with yerrorlines lw 2 title "begin + adds + commit", \
     f using 1:($6/1e6) with linespoints dt 2 title "qsort of n u64 (floor)", \
     f using 1:5 axes x1y2 with linespoints dt 3 title "ns per region (right axis)"
