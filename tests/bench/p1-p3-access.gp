# SPDX-License-Identifier: GPL-2.0-or-later
# P1-P3 and the peer: each access kind's ratio to its same-run floor.
# gnuplot -e "datadir='DIR'; output='FILE.png'" p1-p3-access.gp
# access.dat (written by run-bench.py): index, label, median, min, max,
# target (0 when none).
set terminal pngcairo size 1100,600 font ",9" noenhanced
set output output
set title "Access paths: ratio to the floor measured in the same run (bars: median, whiskers: min..max)"
set ylabel "ratio (lower is better)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set xtics rotate by -40 left
set grid ytics
set key top left
set logscale y
set rmargin 10
f = datadir."/access.dat"
plot f using 1:3:xtic(2) with boxes lc rgb "#4477aa" title "median ratio", \
     f using 1:3:4:5 with yerrorbars lc rgb "black" pt 0 title "min..max", \
     f using 1:($6 > 0 ? $6 : 1/0) with points pt 2 ps 1.5 lc rgb "red" title "target"
