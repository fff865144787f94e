n=$(seq 1 10 | grep -c '[13579]')
echo "odd count: $n"
s=$(printf 'c\nb\na\n' | sort | tr -d '\n')
echo "sorted: $s"
echo "nested: $(echo "$(seq 3 | paste -sd-)" | tr - +)"
