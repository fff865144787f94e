cat > data.txt <<EOF
alpha 1
beta 2
gamma 3
EOF
while read -r name num; do
  echo "$num:$name"
done < data.txt
cat <<EOF >> data.txt
delta 4
EOF
wc -l < data.txt
