exec 3> log.txt
echo "to fd 3" >&3
echo "again" >&3
exec 3>&-
cat log.txt
exec > all.txt
echo "this goes to file"
echo "so does this"
cat all.txt >&2
