printf 'l1\nl2\nl3\nl4\nl5\nl6\n' > old
printf 'l1\nl2\nL3\nl4\nl5\nl6\nl7\n' > new
diff -u old new | tail -n +3
echo "status ${PIPESTATUS[0]}"
