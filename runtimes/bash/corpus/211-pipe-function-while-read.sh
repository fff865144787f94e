produce() { for i in 1 2 3; do echo "item-$i"; done; }
consume() { while read -r line; do echo "consumed ${line#item-}"; done; }
produce | consume
produce | while read -r x; do echo "${x^^}"; done | tac
