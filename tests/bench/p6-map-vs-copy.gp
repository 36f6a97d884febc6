# SPDX-License-Identifier: GPL-2.0-or-later
# P6: grant copy against map + memcpy + unmap, with the crossover.
# gnuplot -e "datadir='DIR'; output='FILE.png'" p6-map-vs-copy.gp
set terminal pngcairo size 900,560 font ",10" noenhanced
set output output
set logscale xy 2
set format x "%.0s%cB"
set xlabel "bytes per access"
set ylabel "ns per access (median)"
set key top left
set grid
f = datadir."/p6-map-vs-copy.dat"
xr = real(system("cat ".datadir."/p6-crossover-read.dat 2>/dev/null || echo 0"))
xw = real(system("cat ".datadir."/p6-crossover-write.dat 2>/dev/null || echo 0"))
lbl(x) = x > 0 ? sprintf("%.0f B", x) : (x < 0 ? "map always cheaper" : "none up to 64 KiB")
set title sprintf("P6: grant copy vs map+memcpy+unmap; crossover read: %s, write: %s", lbl(xr), lbl(xw))
if (xr > 0) { set arrow from xr, graph 0 to xr, graph 1 nohead dt 2 lc rgb "blue" }
if (xw > 0) { set arrow from xw, graph 0 to xw, graph 1 nohead dt 2 lc rgb "red" }
plot f using 1:2 with linespoints lw 2 lc rgb "blue" title "read: grant copy", \
     f using 1:3 with linespoints lw 2 dt 2 lc rgb "blue" title "read: map+memcpy+unmap", \
     f using 1:4 with linespoints lw 2 lc rgb "red" title "write: grant copy", \
     f using 1:5 with linespoints lw 2 dt 2 lc rgb "red" title "write: map+memcpy+unmap"
