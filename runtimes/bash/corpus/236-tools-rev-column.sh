# rev and column -t: reversing lines, aligning a report into a table.
printf 'hello\nkruntimes\n' | rev
printf 'no newline' | rev; echo
printf 'name,size,owner\nkruntimes,42,\nbash,7,team\n\nlast\n' | column -t -s,
printf 'name size\nkruntimes 42\nbash 7\n' | column -t
printf 'a b c\n' | column -t -o ' | '
