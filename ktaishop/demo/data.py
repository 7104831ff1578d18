"""What the demo shop is made of: shelves, products, members and mail templates."""

from __future__ import annotations

SHELVES = ("Tシャツ", "雑貨", "おすすめ", "食品")

# (code, name, price, priority, shelves, sizes?, description, colour)
PRODUCTS = (
    (
        "goods000001",
        "カラフル星Tシャツ",
        1000,
        90,
        (0, 2),
        True,
        "星柄がかわいいTシャツです☆",
        "#e94f64",
    ),
    (
        "goods000002",
        "バイナリプルTシャツ",
        1000,
        80,
        (0,),
        True,
        "0と1の柄。エンジニアに大人気！",
        "#3b6fd8",
    ),
    ("goods000003", "ボーダーTシャツ", 1500, 70, (0,), True, "定番のボーダー柄です。", "#2d9b6f"),
    ("goods000004", "ロゴTシャツ 白", 1800, 60, (0, 2), True, "シンプルなロゴ入り。", "#f2f2f2"),
    ("goods000005", "ロゴTシャツ 黒", 1800, 60, (0,), True, "シンプルなロゴ入り。", "#222222"),
    (
        "goods000006",
        "ストラップ ハート",
        500,
        50,
        (1, 2),
        False,
        "ケータイにつけたいハートのストラップ♥",
        "#ff7aa8",
    ),
    ("goods000007", "ストラップ 星", 500, 40, (1,), False, "キラキラ星のストラップ。", "#f4c542"),
    (
        "goods000008",
        "デコシール セット",
        300,
        30,
        (1,),
        False,
        "ケータイをデコれるシール10枚入り。",
        "#9b59b6",
    ),
    ("goods000009", "マグカップ", 1200, 20, (1,), False, "毎日使えるマグカップ。", "#e67e22"),
    ("goods000010", "トートバッグ", 2400, 20, (1, 2), False, "A4が入るトートバッグ。", "#16a085"),
    ("goods000011", "ハンドタオル", 600, 10, (1,), False, "やわらかい今治タオル。", "#5dade2"),
    (
        "goods000012",
        "限定パーカー",
        4800,
        95,
        (0, 2),
        True,
        "数量限定！残りわずかです。",
        "#7f8c8d",
    ),
)

# Food at the reduced 8% rate (軽減税率), the rest of the shop at 10%:
# (code, name, price, priority, shelves, description, colour, days left on sale or None)
FOODS = (
    ("goods000013", "ご当地チョコレート", 648, 85, (2, 3),
     "季節限定のチョコレート。販売期限までのご注文分をお届けします。", "#6b3e26", 30),
    ("goods000014", "緑茶ティーバッグ", 540, 15, (3,), "静岡県産の緑茶、20袋入り。", "#5a8f29",
     None),
)

SIZES = ("S", "M", "L")

# What each product's picture shows (ktaishop.demo.pictures.KINDS).
PICTURES = {
    "goods000001": "tee", "goods000002": "tee", "goods000003": "tee", "goods000004": "tee",
    "goods000005": "tee", "goods000006": "strap-heart", "goods000007": "strap-star",
    "goods000008": "stickers", "goods000009": "mug", "goods000010": "tote",
    "goods000011": "towel", "goods000012": "hoodie",
    "goods000013": "gift-box", "goods000014": "gift-box",
}

MEMBERS = (
    (
        "r-kobayashi@docomo.ne.jp",
        "小林 亮子",
        "コバヤシ リョウコ",
        "09047189729",
        "1650027",
        "東京都中野区野方1-2-3",
    ),
    (
        "hanako.sato@ezweb.ne.jp",
        "佐藤 花子",
        "サトウ ハナコ",
        "08012345678",
        "1046022",
        "東京都中央区晴海1-8-10 オフィスタワーX 22階",
    ),
    (
        "taro-yamada@softbank.ne.jp",
        "山田 太郎",
        "ヤマダ タロウ",
        "09011112222",
        "5300001",
        "大阪府大阪市北区梅田3-1-1",
    ),
    (
        "suzuki.ichiro@example.com",
        "鈴木 一郎",
        "スズキ イチロウ",
        "0312345678",
        "2310023",
        "神奈川県横浜市中区山下町1",
    ),
    (
        "takahashi@i.softbank.jp",
        "髙橋 美咲",
        "タカハシ ミサキ",
        "07055556666",
        "4600008",
        "愛知県名古屋市中区栄3-4-5",
    ),
)

ORDER_CONFIRMATION_BODY = """{{purchaser_name}} 様

{{shop_name}}をご利用いただき、ありがとうございます。
ご注文を承りました。

■注文番号：{{order_no}}
■注文日：{{order_date}}

■ご注文商品
{{items}}

商品合計：{{subtotal}}
代引き手数料：{{cod_fee}}
配送料：{{shipping_fee}}
包装料：{{wrapping_fee}}
合計金額：{{total}}
{{tax_summary}}

■決済方法：{{payment_method}}
■配送先：{{recipient_name}} 様 {{recipient_address}}
■配送希望日：{{delivery_date}}
■配送希望時間帯：{{delivery_time}}
■包装：{{wrapping}}
■備考：{{note}}

{{shop_name}}
TEL {{shop_tel}}
"""

SHIPPING_NOTICE_BODY = """{{purchaser_name}} 様

ご注文の商品を出荷いたしました。

■注文番号：{{order_no}}
■配送業者：{{delivery_company}}
■配送伝票番号：{{delivery_no}}
■配送日：{{shipped_date}}
■お荷物の配送状況：
{{tracking_url}}

■商品
{{items}}

到着まで今しばらくお待ちください。

{{shop_name}}
TEL {{shop_tel}}
"""

GUEST_CONFIRMATION_BODY = """{{purchaser_name}} 様

{{shop_name}}です。ご注文はまだ完了していません。
下のURLを開いて「注文を確定する」を押すと注文が完了します。

{{confirm_url}}

有効期限：{{confirm_expires}}

■注文番号：{{order_no}}
{{items}}
合計金額：{{total}}
{{tax_summary}}

お心当たりのない場合は、このメールを破棄してください。
"""

GENERAL_BODY = """{{purchaser_name}} 様

{{shop_name}}です。
ご注文（注文番号：{{order_no}}）について、ご連絡いたします。



{{shop_name}}
TEL {{shop_tel}}
"""

REFUND_BODY = """{{purchaser_name}} 様

{{shop_name}}です。
ご注文（注文番号：{{order_no}}）の取消により、クレジットカードへ返金いたしました。

{{refund_summary}}

カード会社のご利用明細への反映には、しばらくかかる場合があります。

{{shop_name}}
TEL {{shop_tel}}
"""

# (kind, subject, body)
TEMPLATES = (
    ("order_confirmation", "商品を受注しました。", ORDER_CONFIRMATION_BODY),
    ("shipping_notice", "商品を出荷しました。", SHIPPING_NOTICE_BODY),
    ("guest_confirmation", "【要確認】ご注文を確定してください", GUEST_CONFIRMATION_BODY),
    ("general", "ご注文についてのご連絡", GENERAL_BODY),
    ("general", "ご注文の取消・返金のお知らせ", REFUND_BODY),
)
