mkdir d
for n in 3 1 2; do seq "$n" > "d/f$n"; done
ls d | sed 's|^|d/|' | xargs wc -l | sort
find d -type f | sort | xargs cat | paste -sd' '
find d -type f -name 'f[12]' | sort | xargs -I{} cp {} {}.bak
ls d
