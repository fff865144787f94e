p="/var/log/app/server.log.1"
echo "$(basename "$p")"
echo "$(dirname "$p")"
basename "$p" .1
basename -s .1 "$p"
dirname relative/file
dirname file
echo "${p##*/}" "${p%/*}"
for f in a/b.tar.gz c.txt noext; do
  base=${f##*/}; ext=${base#*.}
  [[ $base == "$ext" ]] && ext=""
  echo "$f -> name=${base%%.*} ext=$ext"
done
