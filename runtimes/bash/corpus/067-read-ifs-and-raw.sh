IFS=: read -r user pass uid rest <<< "alice:x:1000:1000:Alice:/home/alice:/bin/sh"
echo "$user $uid [$rest]"
read -r line <<< 'back\slash'
echo "$line"
read line <<< 'back\slash'
echo "$line"
read -r a b <<< "  leading and trailing  "
echo "[$a] [$b]"
IFS= read -r keep <<< "  spaces kept  "
echo "[$keep]"
