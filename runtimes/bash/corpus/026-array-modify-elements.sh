a=(apple banana cherry)
a[1]=blueberry
echo "${a[@]}"
echo "${a[@]^}"
echo "${a[@]/e/E}"
echo "${a[@]#?}"
echo "${#a[0]} ${#a[2]}"
b=("${a[@]}")
b[0]=avocado
echo "${a[0]} ${b[0]}"
