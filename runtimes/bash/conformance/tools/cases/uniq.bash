# uniq, compared with GNU uniq (coreutils 9.1).

#### basic
printf 'a\na\nb\na\n' | uniq

#### count
printf 'a\na\nb\n' | uniq -c

#### duplicates
printf 'a\na\nb\nc\nc\n' | uniq -d

#### unique
printf 'a\na\nb\nc\nc\n' | uniq -u

#### ignore-case
printf 'a\nA\nb\n' | uniq -i

#### skip-fields
printf '1 a\n2 a\n3 b\n' | uniq -f1

#### sort-count
printf 'b\na\nb\nc\nb\n' | sort | uniq -c | sort -rn

