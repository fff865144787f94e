s="Hello, World"
rev=""
for ((i = ${#s} - 1; i >= 0; i--)); do rev+="${s:i:1}"; done
echo "$rev"
vowels=0
for ((i = 0; i < ${#s}; i++)); do
  case ${s:i:1} in [aeiouAEIOU]) vowels=$((vowels + 1)) ;; esac
done
echo "vowels=$vowels"
words=($s); echo "${#words[@]} words"
up=""; for w in $s; do up+="${w^} "; done; echo "${up% }"
