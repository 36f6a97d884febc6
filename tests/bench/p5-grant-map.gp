# SPDX-License-Identifier: GPL-2.0-or-later
# P5: address_space_map+unmap of consecutive grant refs against raw mmap.
# gnuplot -e "datadir='DIR'; output='FILE.png'" p5-grant-map.gp
set terminal pngcairo size 900,560 font ",10" noenhanced
set output output
set title "P5: grant map + unmap (writable) against raw mmap/munmap of the same pages"
set logscale xy 2
set xlabel "consecutive grant refs"
set ylabel "us per map+unmap (median)"
set y2label "ratio"
set y2range [0:2]
set y2tics
set ytics nomirror
set key top left
set grid
f = datadir."/p5-grant-map.dat"
plot f using 1:($2/1e3) with linespoints lw 2 title "address_space_map + unmap", \
     f using 1:($3/1e3) with linespoints dt 2 title "raw mmap/munmap (floor)", \
     f using 1:4 axes x1y2 with linespoints dt 3 title "ratio (right axis, target <= 1.5)"
