a=(a b c d e f g)
echo "${a[@]:2}"
echo "${a[@]:1:3}"
echo "${a[@]: -2}"
echo "${a[@]:0:0}|"
s=abcdefg
echo "${s:2:3} ${s: -3} ${s:1}"
