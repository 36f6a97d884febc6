# SPDX-License-Identifier: GPL-2.0-or-later
# P2: cost of one access against the number of regions mapped.
# gnuplot -e "datadir='DIR'; output='FILE.png'" p2-scaling.gp
set terminal pngcairo size 900,560 font ",10" noenhanced
set output output
set title "P2: ns per access against regions mapped (medians)"
set logscale x
set xlabel "regions in the address space"
set ylabel "ns per access"
set yrange [0:*]
set key top left
set grid
f = datadir."/p2-scaling.dat"
plot f using 1:2 with linespoints lw 2 title "read 8 B, spread over every region", \
     f using 1:6 with linespoints lw 2 dt 2 title "same reads, 1 region over the same memory (floor)", \
     f using 1:3 with linespoints title "read 8 B, one hot address", \
     f using 1:4 with linespoints title "write 8 B, spread", \
     f using 1:5 with linespoints title "ldl_le, spread", \
     f using 1:7 with linespoints dt 3 title "plain host load, same addresses"
