i=0
((i++)); ((++i)); ((i+=10)); let i++
echo "$i"
j=5; ((j--)); echo "$j"
((k = 3 * 4, k++)); echo "$k"
declare -i n=1; n+=1; n=n*5; echo "$n"
