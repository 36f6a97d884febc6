# SPDX-License-Identifier: GPL-2.0-or-later
# P8: aggregate read rate of 1 and 2 reader threads under 1 kHz commits.
# gnuplot -e "datadir='DIR'; output='FILE.png'" p8-readers.gp
set terminal pngcairo size 900,560 font ",10" noenhanced
set output output
set title "P8: reader scaling while another thread commits at 1 kHz"
set xlabel "reader threads"
set ylabel "aggregate rate, relative to one thread (median, bars: min..max)"
set xrange [0.5:2.5]
set xtics 1
set yrange [0:2.5]
set key top left
set grid
f = datadir."/p8-summary.dat"
r1 = real(system("awk '$1==1{print $2}' ".f))
c1 = real(system("awk '$1==1{print $5}' ".f))
plot x with lines dt 3 lc rgb "gray" title "perfect scaling", \
     1.7 with lines dt 2 lc rgb "orange" title "target for 2 threads (1.7x)", \
     f using 1:($2/r1):($3/r1):($4/r1) with yerrorlines lw 2 title "address_space_read readers", \
     f using ($1+0.05):($5/c1):($6/c1):($7/c1) with yerrorlines lw 2 dt 2 title "control: copy loop outside memcore"
