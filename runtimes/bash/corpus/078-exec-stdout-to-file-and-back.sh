exec 4>&1
exec > captured.txt
echo "hidden line"
exec 1>&4 4>&-
echo "visible again"
cat captured.txt
