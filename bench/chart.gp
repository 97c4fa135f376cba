# chart.gp - draws the speedup bars that bench/chart.sh prepares.
# usage: gnuplot -c bench/chart.gp DATA OUT.svg TITLE
# DATA lines: index "layer" speedup class(0 transposed, 1 convolution) "label"

datafile = ARG1
set terminal svg size 1200,600 dynamic enhanced font "sans,12" background rgb "white"
set output ARG2

stats datafile using 1:3 nooutput
set xrange [-0.7:STATS_max_x + 0.7]
set yrange [0:(STATS_max_y > 1.0 ? STATS_max_y : 1.0) * 1.18]

set title ARG3 noenhanced
set ylabel "speedup over cuDNN's best algorithm (x)"
set xtics rotate by 40 right nomirror noenhanced font ",11"
set bmargin 7
set ytics nomirror
set grid ytics lc rgb "#dddddd"
set border 3
set key top left opaque
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.7

# Even with cuDNN.
set arrow from graph 0, first 1.0 to graph 1, first 1.0 nohead dt 2 lw 1.5 lc rgb "#222222" front
set label "cuDNN = 1.0" at graph 1, first 1.0 right offset -0.5, 0.6 font ",10" front

plot datafile using 1:($4 == 0 ? $3 : 1/0) with boxes lc rgb "#4477aa" \
         title "transposed convolution", \
     datafile using 1:($4 == 1 ? $3 : 1/0) with boxes lc rgb "#ee7733" \
         title "strided convolution", \
     datafile using 1:3:5:xtic(2) with labels offset 0, 0.7 font ",10" notitle
