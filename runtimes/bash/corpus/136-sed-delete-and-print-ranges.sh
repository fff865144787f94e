seq 1 12 > nums
sed -n '3,5p' nums | paste -sd' '
sed '2,10d' nums | paste -sd' '
sed -n '/^1/p' nums | paste -sd' '
sed -n '$p' nums
sed '0~3d' nums 2>/dev/null | paste -sd' ' || true
sed -n 'n;p' nums | paste -sd' '
