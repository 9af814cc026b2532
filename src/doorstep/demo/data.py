"""The fixed content the demo marketplace is built from: the category tree, the
cities with their neighbourhoods and phone plans, and the name pools.

Everything here is plain data; ``builders.py`` turns it into rows. Names and
descriptions are real content in three languages: Simplified Chinese for the
mainland, Traditional Chinese for Taiwan and Hong Kong (which also differ in
vocabulary, not only in script: 空调/冷氣, 保洁/清潔, 安装/組裝).
"""

from dataclasses import dataclass, field
from enum import Enum


class Honorific(Enum):
    """How a provider of a trade is usually addressed in Chinese: 王师傅 for a
    tradesman, 张阿姨 for a cleaner or carer, 李老师 for a tutor; studios and
    plain services go by name."""

    MASTER = "master"
    AUNTIE = "auntie"
    TEACHER = "teacher"
    STUDIO = "studio"
    PLAIN = "plain"


@dataclass(frozen=True)
class Trade:
    """The short trade word a provider's shop name is built from."""

    en: str
    zh_hans: str
    zh_hant: str
    honorific: Honorific
    activity_en: str  # for "8 years of {activity} experience"


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    icon: str
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    description_en: str
    description_zh_hans: str
    description_zh_hant: str
    trade: Trade | None = None
    children: tuple["CategorySpec", ...] = ()


M, A, T, S, P = (
    Honorific.MASTER,
    Honorific.AUNTIE,
    Honorific.TEACHER,
    Honorific.STUDIO,
    Honorific.PLAIN,
)

CATEGORY_TREE: tuple[CategorySpec, ...] = (
    CategorySpec(
        "home-cleaning",
        "broom",
        "Home cleaning",
        "家庭保洁",
        "居家清潔",
        "Regular, deep and move-out cleaning by vetted cleaners who bring their "
        "own supplies.",
        "日常保洁、深度清洁、开荒保洁，阿姨自带工具上门。",
        "日常打掃、深層清潔、退租清潔，清潔人員自備工具上門服務。",
        children=(
            CategorySpec(
                "standard-cleaning",
                "home",
                "Standard cleaning",
                "日常保洁",
                "日常清潔",
                "Kitchen, bathroom, floors and dusting, booked by the hour.",
                "按小时计费，清洁厨房、卫生间、地面并除尘。",
                "按小時計費，打掃廚房、浴室、地板並除塵。",
                Trade("Home Cleaning", "家政", "居家清潔", A, "house cleaning"),
            ),
            CategorySpec(
                "deep-cleaning",
                "sparkles",
                "Deep cleaning",
                "深度保洁",
                "深層清潔",
                "A top-to-bottom clean: inside cupboards and appliances, tile grout, "
                "skirting boards and hard-to-reach corners.",
                "全屋彻底清洁：橱柜和电器内部、瓷砖缝、踢脚线，不留卫生死角。",
                "全屋徹底清潔：櫥櫃與家電內部、磁磚縫、踢腳板，不留死角。",
                Trade("Deep Cleaning", "深度保洁", "深層清潔", A, "deep cleaning"),
            ),
            CategorySpec(
                "move-cleaning",
                "box",
                "Move-in / move-out cleaning",
                "开荒/退租保洁",
                "入住/退租清潔",
                "Empty-home cleaning before you move in or hand back the keys, "
                "including post-renovation dust.",
                "新房装修后或搬家退租前的全面清洁，清除装修粉尘和污渍。",
                "入住新居或退租交屋前的全面清潔，包括裝修後的粉塵清理。",
                Trade(
                    "Move-out Cleaning", "开荒保洁", "退租清潔", A, "move-out cleaning"
                ),
            ),
            CategorySpec(
                "window-cleaning",
                "window",
                "Window cleaning",
                "擦玻璃",
                "窗戶清潔",
                "Glass, frames and tracks inside and out, on windows and balconies "
                "that can be reached safely.",
                "清洁门窗玻璃、窗框和滑轨，含阳台窗，仅限安全可及的位置。",
                "清潔窗戶玻璃、窗框與軌道，含陽台窗戶，僅限安全可及的位置。",
                Trade("Window Cleaning", "擦玻璃", "窗戶清潔", M, "window cleaning"),
            ),
            CategorySpec(
                "sofa-carpet-cleaning",
                "sofa",
                "Sofa & carpet cleaning",
                "沙发地毯清洗",
                "沙發地毯清洗",
                "Deep extraction cleaning for fabric sofas, mattresses and rugs; "
                "dry in a few hours.",
                "布艺沙发、床垫和地毯深层清洗除螨，几小时即可干透。",
                "布沙發、床墊與地毯深層清洗除蟎，數小時即可乾透。",
                Trade(
                    "Upholstery Care", "沙发清洗", "沙發清洗", M, "upholstery cleaning"
                ),
            ),
        ),
    ),
    CategorySpec(
        "repairs",
        "wrench",
        "Repairs & installation",
        "维修安装",
        "維修安裝",
        "Trusted tradespeople for air-conditioning, plumbing, electrics, "
        "appliances and assembly.",
        "空调、水电、家电维修与家具安装，师傅上门快速解决。",
        "冷氣、水電、家電維修與家具組裝，師傅上門快速處理。",
        children=(
            CategorySpec(
                "aircon-repair",
                "snowflake",
                "Air-conditioner repair & cleaning",
                "空调维修清洗",
                "冷氣維修清洗",
                "Diagnosis, refrigerant top-up, repairs and a full clean of the "
                "indoor unit.",
                "空调检测、加氟、故障维修，挂机柜机深度清洗。",
                "冷氣檢查、補充冷媒、故障維修及室內機深層清洗。",
                Trade("Heating & Air", "空调维修", "冷氣維修", M, "HVAC repair"),
            ),
            CategorySpec(
                "plumbing",
                "droplet",
                "Plumbing",
                "水管维修",
                "水管維修",
                "Leaks, blocked drains, taps, toilets and water heaters fixed by "
                "licensed plumbers.",
                "漏水、下水道堵塞、水龙头、马桶和热水器维修，管道疏通。",
                "漏水、排水管堵塞、水龍頭、馬桶及熱水器維修，通水管。",
                Trade("Plumbing", "水管维修", "水電", M, "plumbing"),
            ),
            CategorySpec(
                "electrical",
                "bolt",
                "Electrical",
                "电路维修",
                "電路維修",
                "Sockets, switches, lighting and circuit faults, by a qualified "
                "electrician.",
                "插座、开关、灯具安装及线路故障排查，电工持证上门。",
                "插座、開關、燈具安裝及線路故障檢修，由合格電工上門。",
                Trade("Electric", "电工", "電工", M, "electrical work"),
            ),
            CategorySpec(
                "appliance-repair",
                "plug",
                "Appliance repair",
                "家电维修",
                "家電維修",
                "Washing machines, fridges, ovens and water purifiers repaired on "
                "site.",
                "洗衣机、冰箱、烤箱、净水器等家电上门维修。",
                "洗衣機、冰箱、烤箱、淨水器等家電上門維修。",
                Trade(
                    "Appliance Repair", "家电维修", "家電維修", M, "appliance repair"
                ),
            ),
            CategorySpec(
                "furniture-assembly",
                "hammer",
                "Furniture assembly",
                "家具安装",
                "家具組裝",
                "Flat-pack furniture, shelves, curtain rails and TV wall mounts put "
                "together and fixed.",
                "板式家具组装，置物架、窗帘杆和电视挂架安装。",
                "組合家具、層架、窗簾桿及電視壁掛架安裝。",
                Trade(
                    "Handyman Services", "家具安装", "家具組裝", M, "furniture assembly"
                ),
            ),
        ),
    ),
    CategorySpec(
        "beauty-wellness",
        "spa",
        "Beauty & wellness",
        "美容养生",
        "美容保養",
        "Nails, massage, hair and make-up at home, by trained beauticians and "
        "therapists.",
        "上门美甲、按摩推拿、美发和化妆，技师持证服务。",
        "上門美甲、按摩、美髮及化妝，由專業美容師及按摩師服務。",
        children=(
            CategorySpec(
                "manicure",
                "hand",
                "Manicure & pedicure",
                "美甲",
                "美甲",
                "Gel or classic manicures and pedicures with sterilised tools.",
                "光疗甲、日常修甲及足部护理，工具一客一消毒。",
                "凝膠指甲、基本修甲及足部護理，工具一客一消毒。",
                Trade("Nail Studio", "美甲", "美甲", S, "nail care"),
            ),
            CategorySpec(
                "massage",
                "lotus",
                "Massage",
                "按摩推拿",
                "按摩推拿",
                "Relaxing, deep-tissue and sports massage in the comfort of your home.",
                "中式推拿、精油按摩和运动放松，在家也能舒缓疲劳。",
                "中式推拿、精油按摩與運動按摩，在家也能舒緩疲勞。",
                Trade("Massage Therapy", "推拿", "按摩", S, "massage therapy"),
            ),
            CategorySpec(
                "hair",
                "scissors",
                "Hair",
                "美发",
                "美髮",
                "Cuts, blow-drys, colour and styling for adults and kids.",
                "剪发、吹造型、染发和造型设计，大人小孩都可以。",
                "剪髮、吹整、染髮及造型設計，大人小孩皆可。",
                Trade("Hair Studio", "美发", "髮型設計", S, "hairdressing"),
            ),
            CategorySpec(
                "make-up",
                "brush",
                "Make-up",
                "化妆造型",
                "化妝造型",
                "Make-up for weddings, events and photo shoots, with a trial session.",
                "新娘妆、活动妆和拍照妆容，可先预约试妆。",
                "新娘妝、活動妝及拍照妝容，可先預約試妝。",
                Trade("Make-up Artistry", "化妆", "彩妝", S, "make-up"),
            ),
        ),
    ),
    CategorySpec(
        "tutoring",
        "book",
        "Tutoring & lessons",
        "家教辅导",
        "家教補習",
        "One-to-one lessons at home or online with experienced tutors.",
        "一对一上门或线上辅导，老师经验丰富。",
        "一對一上門或線上教學，老師經驗豐富。",
        children=(
            CategorySpec(
                "maths",
                "calculator",
                "Maths",
                "数学辅导",
                "數學補習",
                "Primary to high-school maths, homework help and exam preparation.",
                "小学到高中数学，同步辅导、作业答疑和考前冲刺。",
                "小學至中學數學，功課輔導與考試準備。",
                Trade("Math Tutoring", "数学辅导", "數學家教", T, "math tutoring"),
            ),
            CategorySpec(
                "english",
                "language",
                "English",
                "英语辅导",
                "英文補習",
                "Conversation, grammar and exam preparation (IELTS, TOEFL, school "
                "exams).",
                "英语口语、语法和考试辅导（雅思、托福、中高考）。",
                "英文會話、文法及考試準備（雅思、托福、升學考試）。",
                Trade(
                    "English Tutoring", "英语辅导", "英文家教", T, "English tutoring"
                ),
            ),
            CategorySpec(
                "piano",
                "music",
                "Piano lessons",
                "钢琴课",
                "鋼琴課",
                "From first lessons to graded exams, for children and adults.",
                "零基础到考级，儿童成人均可，老师上门教学。",
                "從零基礎到檢定考級，兒童及成人皆可，老師上門教學。",
                Trade("Piano Lessons", "钢琴课", "鋼琴教室", T, "piano teaching"),
            ),
            CategorySpec(
                "coding",
                "code",
                "Coding for kids",
                "少儿编程",
                "兒童程式設計",
                "Scratch, Python and robotics projects for curious kids and teens.",
                "Scratch、Python 和机器人项目，培养孩子的逻辑思维。",
                "Scratch、Python 與機器人專題，培養孩子的邏輯思考。",
                Trade("Coding Club", "少儿编程", "程式教室", T, "coding instruction"),
            ),
        ),
    ),
    CategorySpec(
        "pet-care",
        "paw",
        "Pet care",
        "宠物服务",
        "寵物照顧",
        "Walks, home visits and grooming for dogs, cats and small pets.",
        "遛狗、上门喂猫和宠物美容，主人不在家也放心。",
        "遛狗、上門餵貓及寵物美容，主人不在家也安心。",
        children=(
            CategorySpec(
                "dog-walking",
                "dog",
                "Dog walking",
                "上门遛狗",
                "遛狗",
                "30- or 60-minute walks, alone or in a small group, with photo "
                "updates.",
                "30 或 60 分钟遛狗，单独或小组遛，全程拍照反馈。",
                "30 或 60 分鐘遛狗，單獨或小組進行，全程拍照回報。",
                Trade("Dog Walking", "遛狗", "遛狗服務", P, "dog walking"),
            ),
            CategorySpec(
                "pet-sitting",
                "cat",
                "Pet sitting",
                "上门喂猫",
                "寵物保姆",
                "Feeding, litter, play and medication at your home while you are away.",
                "出门期间上门喂食、清理猫砂、陪玩和喂药，每次发视频。",
                "您外出期間上門餵食、清貓砂、陪玩及餵藥，每次傳影片回報。",
                Trade("Pet Sitting", "上门喂猫", "寵物保姆", P, "pet sitting"),
            ),
            CategorySpec(
                "pet-grooming",
                "bath",
                "Pet grooming",
                "宠物美容",
                "寵物美容",
                "Baths, trims, nail clipping and ear cleaning without a stressful "
                "trip to the salon.",
                "洗澡、修剪毛发、剪指甲和清洁耳朵，上门服务减少应激。",
                "洗澡、修剪毛髮、剪指甲及清潔耳朵，上門服務減少緊迫。",
                Trade("Pet Grooming", "宠物美容", "寵物美容", S, "pet grooming"),
            ),
        ),
    ),
    CategorySpec(
        "photography",
        "camera",
        "Photography",
        "摄影服务",
        "攝影服務",
        "Portraits, events and product shoots, with edited photos delivered online.",
        "人像写真、活动跟拍、商品拍摄，精修照片线上交付。",
        "人像寫真、活動攝影、商品攝影，修圖後線上交件。",
        children=(
            CategorySpec(
                "portrait-photography",
                "user",
                "Portraits",
                "人像写真",
                "人像寫真",
                "Family, couple and personal portraits at home or on location.",
                "家庭照、情侣照、个人写真，可在家或外景拍摄。",
                "全家福、情侶照、個人寫真，可在家或外景拍攝。",
                Trade("Portraits", "人像摄影", "人像攝影", S, "portrait photography"),
            ),
            CategorySpec(
                "event-photography",
                "calendar",
                "Event photography",
                "活动跟拍",
                "活動攝影",
                "Birthdays, company events and small weddings, with a quick "
                "turnaround.",
                "生日宴、公司年会、小型婚礼全程跟拍，快速出片。",
                "生日派對、公司活動、小型婚禮全程拍攝，快速交件。",
                Trade(
                    "Event Photography", "活动跟拍", "活動攝影", S, "event photography"
                ),
            ),
            CategorySpec(
                "product-photography",
                "package",
                "Product photography",
                "商品拍摄",
                "商品攝影",
                "Clean white-background and lifestyle shots for online shops.",
                "电商白底图和场景图拍摄，适合网店上新。",
                "電商去背白底圖及情境照，適合網店上架。",
                Trade(
                    "Product Photography",
                    "商品摄影",
                    "商品攝影",
                    S,
                    "product photography",
                ),
            ),
        ),
    ),
    CategorySpec(
        "moving-delivery",
        "truck",
        "Moving & delivery",
        "搬家跑腿",
        "搬家運送",
        "Home moves, single items and same-day errands, with a van and helpers.",
        "居民搬家、小件搬运和同城跑腿，车辆和人手一站搞定。",
        "住家搬遷、小件搬運及同城跑腿，車輛人手一次到位。",
        children=(
            CategorySpec(
                "home-moving",
                "truck",
                "Home moving",
                "居民搬家",
                "住家搬遷",
                "Packing, loading and transport, from a studio flat to a family home.",
                "打包、搬运、运输一条龙，单间到整套都能搬。",
                "打包、搬運、運送一條龍，套房到整層住家都能搬。",
                Trade("Movers", "搬家", "搬家", M, "moving"),
            ),
            CategorySpec(
                "small-moves",
                "dolly",
                "Small moves & single items",
                "小件搬运",
                "小件搬運",
                "A sofa, a fridge or a few boxes moved across town today.",
                "一张沙发、一台冰箱或几个箱子，当天同城送达。",
                "一張沙發、一台冰箱或幾個箱子，當天市內送達。",
                Trade("Small Moves", "小件搬运", "小搬家", M, "small moves"),
            ),
            CategorySpec(
                "errands",
                "bag",
                "Errands & same-day delivery",
                "同城跑腿",
                "跑腿代辦",
                "Pick-ups, drop-offs, queueing and shopping runs within the city.",
                "代取代送、代排队、代买，同城快速办妥。",
                "代取代送、代排隊、代購，市內快速辦妥。",
                Trade("Errands", "跑腿", "跑腿", P, "errand running"),
            ),
            CategorySpec(
                "junk-removal",
                "trash",
                "Junk removal",
                "大件垃圾清运",
                "大型廢棄物清運",
                "Old furniture and bulky waste taken away and disposed of responsibly.",
                "旧家具、大件垃圾上门搬运并合规处理。",
                "舊家具及大型廢棄物上門搬運並依規定處理。",
                Trade("Junk Removal", "清运", "清運", M, "junk removal"),
            ),
        ),
    ),
    CategorySpec(
        "elderly-child-care",
        "heart",
        "Elderly & child care",
        "养老育儿",
        "長者及兒童照顧",
        "Caring, background-checked helpers for little ones and older relatives.",
        "育儿嫂、月嫂、老人陪护和陪诊，人员经过背景审核。",
        "保母、月嫂、長者陪伴及陪同就醫，人員皆經背景審核。",
        children=(
            CategorySpec(
                "babysitting",
                "baby",
                "Babysitting",
                "临时保姆",
                "臨時保母",
                "Evening and weekend babysitting, school pick-ups and homework help.",
                "晚上和周末临时看娃、接送孩子上下学、陪写作业。",
                "晚上及週末臨時照顧小孩、接送上下學、陪寫功課。",
                Trade("Babysitting", "育儿", "保母", A, "babysitting"),
            ),
            CategorySpec(
                "newborn-care",
                "bottle",
                "Newborn & postpartum care",
                "月嫂",
                "月嫂",
                "Experienced maternity nurses for the newborn and the mother's "
                "recovery.",
                "照顾新生儿、做月子餐，帮助妈妈产后恢复。",
                "照顧新生兒、準備月子餐，協助媽媽產後恢復。",
                Trade("Newborn Care", "月嫂", "月嫂", P, "newborn care"),
            ),
            CategorySpec(
                "elderly-companion",
                "hand-heart",
                "Elderly companionship",
                "老人陪护",
                "長者陪伴",
                "Company, light housework, meals and walks for older relatives.",
                "陪伴聊天、做饭、简单家务和散步，让老人不孤单。",
                "陪伴聊天、備餐、簡單家務及散步，讓長輩不孤單。",
                Trade("Senior Care", "养老陪护", "長者照顧", A, "senior care"),
            ),
            CategorySpec(
                "hospital-escort",
                "hospital",
                "Hospital escort",
                "陪诊",
                "陪同就醫",
                "Someone to register, queue, accompany you and take notes at "
                "medical appointments.",
                "协助挂号、排队、陪同就医并记录医嘱。",
                "協助掛號、排隊、陪同看診並記錄醫囑。",
                Trade("Medical Escort", "陪诊", "陪診", P, "medical escort work"),
            ),
        ),
    ),
)

SERVICE_CATEGORIES: tuple[CategorySpec, ...] = tuple(
    child for root in CATEGORY_TREE for child in root.children
)


# --- Cities -------------------------------------------------------------------------


class AddressStyle(Enum):
    """How addresses are written: biggest unit first in Chinese, smallest first in
    English."""

    MAINLAND = "mainland"  # 上海市徐汇区漕溪北路88号1203室
    TAIWAN = "taiwan"  # 臺北市大安區敦化南路一段123號5樓
    HONG_KONG = "hong_kong"  # 九龍旺角彌敦道600號12樓B室
    US = "us"  # 1234 Valencia St, Apt 3B, San Francisco, CA


@dataclass(frozen=True)
class Neighbourhood:
    name: str  # as locals say it: 徐家汇, 大安, 旺角, Mission District
    locality: str  # the unit above it in an address: 徐汇区, 大安區, 九龍, Brooklyn, NY
    streets: tuple[str, ...]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PhonePlan:
    """A block of numbers: a country code, national prefixes, free digits."""

    country_code: str
    prefixes: tuple[str, ...]
    free_digits: int


@dataclass(frozen=True)
class NamePool:
    """(written, romanised) pairs. ``english_given`` names are the ones many
    Hongkongers use beside their Chinese name."""

    surnames: tuple[tuple[str, str], ...]
    given: tuple[tuple[str, str], ...]
    chinese: bool
    english_given: tuple[str, ...] = ()


@dataclass(frozen=True)
class City:
    slug: str
    name: str  # in the local language, as written in an address
    name_en: str
    time_zone: str
    language: str  # the interface language most residents use
    latitude: float
    longitude: float
    weight: int  # relative share of generated people
    address_style: AddressStyle
    neighbourhoods: tuple[Neighbourhood, ...]
    # Tried in order: the first plan with a free number wins.
    phone_plans: tuple[PhonePlan, ...]
    names: NamePool
    # Languages a provider speaks (BCP 47, as ``User.language``), and how often
    # each extra one is spoken on top of the first.
    spoken: tuple[str, ...] = ()
    extra_spoken: tuple[tuple[str, float], ...] = ()
    # Share of people here who use another interface language.
    other_languages: tuple[tuple[str, float], ...] = field(default=())
    # Share of Chinese-speaking providers who trade under an English name.
    english_shop_names: float = 0.0
    # What prices are in here (ISO 4217); listings are priced in it.
    currency: str = "USD"
    # Hong Kong writes Traditional Chinese with its own words (冷氣加雪種, 搬屋).
    hong_kong_words: bool = False


# Dense tables read better one row per line than one value per line.
# fmt: off
_MAINLAND_NAMES = NamePool(
    surnames=(
        ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
        ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
        ("徐", "Xu"), ("孙", "Sun"), ("朱", "Zhu"), ("胡", "Hu"), ("沈", "Shen"),
        ("陆", "Lu"), ("顾", "Gu"), ("钱", "Qian"), ("施", "Shi"), ("蒋", "Jiang"),
        ("郑", "Zheng"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("马", "Ma"),
        ("宋", "Song"), ("唐", "Tang"), ("曹", "Cao"), ("邱", "Qiu"), ("金", "Jin"),
    ),
    given=(
        ("娜", "Na"), ("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"),
        ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"),
        ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("丽", "Li"),
        ("强", "Qiang"), ("秀英", "Xiuying"), ("桂英", "Guiying"), ("晓燕", "Xiaoyan"),
        ("建华", "Jianhua"), ("志强", "Zhiqiang"), ("婷婷", "Tingting"),
        ("佳怡", "Jiayi"), ("子涵", "Zihan"), ("浩然", "Haoran"), ("雨萱", "Yuxuan"),
        ("思远", "Siyuan"), ("文博", "Wenbo"), ("海燕", "Haiyan"), ("春梅", "Chunmei"),
        ("国强", "Guoqiang"), ("丽华", "Lihua"), ("俊杰", "Junjie"), ("欣怡", "Xinyi"),
        ("一鸣", "Yiming"), ("梦洁", "Mengjie"), ("宇轩", "Yuxuan"), ("晨曦", "Chenxi"),
    ),
    chinese=True,
)

_TAIWAN_NAMES = NamePool(
    surnames=(
        ("陳", "Chen"), ("林", "Lin"), ("黃", "Huang"), ("張", "Chang"), ("李", "Lee"),
        ("王", "Wang"), ("吳", "Wu"), ("劉", "Liu"), ("蔡", "Tsai"), ("楊", "Yang"),
        ("許", "Hsu"), ("鄭", "Cheng"), ("謝", "Hsieh"), ("郭", "Kuo"), ("洪", "Hung"),
        ("曾", "Tseng"), ("邱", "Chiu"), ("廖", "Liao"), ("賴", "Lai"), ("周", "Chou"),
        ("徐", "Hsu"), ("蘇", "Su"), ("葉", "Yeh"), ("莊", "Chuang"), ("呂", "Lu"),
    ),
    given=(
        ("怡君", "Yi-chun"), ("雅婷", "Ya-ting"), ("家豪", "Chia-hao"),
        ("志明", "Chih-ming"), ("淑芬", "Shu-fen"), ("美玲", "Mei-ling"),
        ("俊傑", "Chun-chieh"), ("宜蓁", "Yi-chen"), ("冠宇", "Kuan-yu"),
        ("承恩", "Cheng-en"), ("欣妤", "Hsin-yu"), ("建宏", "Chien-hung"),
        ("佩君", "Pei-chun"), ("宗翰", "Tsung-han"), ("詩涵", "Shih-han"),
        ("柏翰", "Po-han"), ("雅雯", "Ya-wen"), ("志偉", "Chih-wei"),
        ("淑惠", "Shu-hui"), ("育誠", "Yu-cheng"), ("品妤", "Pin-yu"),
        ("家瑋", "Chia-wei"), ("思穎", "Szu-ying"), ("明哲", "Ming-che"),
    ),
    chinese=True,
)

_HONG_KONG_NAMES = NamePool(
    surnames=(
        ("陳", "Chan"), ("李", "Lee"), ("張", "Cheung"), ("黃", "Wong"), ("王", "Wong"),
        ("何", "Ho"), ("劉", "Lau"), ("林", "Lam"), ("梁", "Leung"), ("吳", "Ng"),
        ("鄭", "Cheng"), ("羅", "Law"), ("郭", "Kwok"), ("馬", "Ma"), ("麥", "Mak"),
        ("曾", "Tsang"), ("謝", "Tse"), ("蔡", "Choi"), ("鄧", "Tang"), ("葉", "Yip"),
    ),
    given=(
        ("嘉欣", "Ka Yan"), ("志強", "Chi Keung"), ("詠詩", "Wing Sze"),
        ("家豪", "Ka Ho"), ("美玲", "Mei Ling"), ("偉文", "Wai Man"),
        ("子晴", "Tsz Ching"), ("俊傑", "Chun Kit"), ("曉彤", "Hiu Tung"),
        ("浩賢", "Ho Yin"), ("慧儀", "Wai Yee"), ("家樂", "Ka Lok"),
        ("卓謙", "Cheuk Him"), ("穎欣", "Wing Yan"), ("國華", "Kwok Wah"),
        ("淑芬", "Suk Fan"), ("振輝", "Chun Fai"), ("綺雯", "Yee Man"),
        ("敏儀", "Man Yee"), ("建明", "Kin Ming"),
    ),
    chinese=True,
    english_given=(
        "Karen", "Kelvin", "Winnie", "Ivan", "Cheryl", "Jacky", "Peggy", "Carmen",
        "Alex", "Ken", "Vivian", "Eric", "Joyce", "Raymond", "Mandy", "Tommy",
    ),
)

_US_NAMES = NamePool(
    surnames=tuple(
        (name, name)
        for name in (
            "Smith", "Johnson", "Garcia", "Martinez", "Nguyen", "Chen", "Kim", "Patel",
            "Rodriguez", "Williams", "Brown", "Jones", "Davis", "Miller", "Wilson",
            "Anderson", "Lopez", "Lee", "Walker", "Hernandez", "Thompson", "O'Brien",
            "Rossi", "Cohen", "Murphy", "Robinson", "Park", "Singh", "Rivera", "Clark",
            "Okafor", "Goldberg", "Wong", "Schmidt", "Jackson", "Flores",
        )
    ),
    given=tuple(
        (name, name)
        for name in (
            "Emily", "Michael", "Sarah", "David", "Jessica", "Daniel", "Ashley",
            "James", "Maria", "Jose", "Carlos", "Sofia", "Kevin", "Jennifer", "Brian",
            "Megan", "Ryan", "Lauren", "Olivia", "Ethan", "Priya", "Aisha", "Marcus",
            "Hannah", "Diego", "Grace", "Tyler", "Chloe", "Andre", "Nicole", "Samuel",
            "Rachel", "Jamal", "Lucia", "Noah", "Mia",
        )
    ),
    chinese=False,
)

# China Mobile, Unicom and Telecom mobile prefixes (the 1 is in the prefix).
_CN_MOBILE = PhonePlan(
    "+86",
    ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158",
     "159", "182", "183", "187", "188", "130", "131", "132", "155", "156", "185",
     "186", "133", "153", "180", "181", "189"),
    8,
)
_TW_MOBILE = PhonePlan("+886", tuple(f"9{n:02d}" for n in range(10, 90)), 6)
# Hong Kong allocates mobile numbers in blocks of 100,000: only whole blocks here.
_HK_MOBILE = PhonePlan(
    "+852",
    (*(f"5{a}{b}" for a in "1234" for b in "012346789"),
     *(f"6{a}{b}" for a in "1345" for b in "0123456789"),
     *(f"9{a}{b}" for a in "467" for b in "0123456789")),
    5,
)
_SF_AREA_CODES = ("415", "628")
_NY_AREA_CODES = ("212", "646", "332", "917", "718", "347", "929")

# fmt: on


def _us_plans(area_codes: tuple[str, ...]) -> tuple[PhonePlan, ...]:
    # 555-0100..0199 is reserved for fiction; the rest of 555 is never given to
    # subscribers either, and is there for when a big seed runs the first block dry.
    return (
        PhonePlan("+1", tuple(f"{code}55501" for code in area_codes), 2),
        PhonePlan("+1", tuple(f"{code}555" for code in area_codes), 4),
    )


# fmt: off
CITIES: tuple[City, ...] = (
    City(
        slug="shanghai",
        name="上海市",
        name_en="Shanghai",
        time_zone="Asia/Shanghai",
        language="zh-hans",
        latitude=31.2304,
        longitude=121.4737,
        weight=30,
        address_style=AddressStyle.MAINLAND,
        neighbourhoods=(
            Neighbourhood("徐家汇", "徐汇区", ("漕溪北路", "虹桥路", "天钥桥路"),
                          31.1950, 121.4370),
            Neighbourhood("静安寺", "静安区", ("南京西路", "愚园路", "常德路"),
                          31.2235, 121.4457),
            Neighbourhood("新天地", "黄浦区", ("马当路", "淮海中路", "太仓路"),
                          31.2197, 121.4747),
            Neighbourhood("陆家嘴", "浦东新区", ("世纪大道", "浦东南路", "东方路"),
                          31.2397, 121.4998),
            Neighbourhood("中山公园", "长宁区", ("长宁路", "定西路", "凯旋路"),
                          31.2210, 121.4170),
            Neighbourhood("五角场", "杨浦区", ("国定路", "淞沪路", "政通路"),
                          31.2990, 121.5140),
            Neighbourhood("北外滩", "虹口区", ("东大名路", "四川北路", "海宁路"),
                          31.2510, 121.4990),
            Neighbourhood("长风", "普陀区", ("金沙江路", "大渡河路", "云岭东路"),
                          31.2260, 121.3960),
        ),
        phone_plans=(_CN_MOBILE,),
        names=_MAINLAND_NAMES,
        spoken=("zh-hans",),
        extra_spoken=(("en", 0.2),),
        other_languages=(("en", 0.1),),
        english_shop_names=0.1,
        currency="CNY",
    ),
    City(
        slug="taipei",
        name="臺北市",
        name_en="Taipei",
        time_zone="Asia/Taipei",
        language="zh-hant",
        latitude=25.0478,
        longitude=121.5170,
        weight=20,
        address_style=AddressStyle.TAIWAN,
        neighbourhoods=(
            Neighbourhood("大安", "大安區",
                          ("敦化南路一段", "復興南路一段", "忠孝東路四段"),
                          25.0264, 121.5436),
            Neighbourhood("信義", "信義區",
                          ("松仁路", "基隆路一段", "松高路"),
                          25.0330, 121.5654),
            Neighbourhood("中山", "中山區",
                          ("南京東路二段", "林森北路", "中山北路二段"),
                          25.0640, 121.5330),
            Neighbourhood("士林", "士林區",
                          ("中正路", "文林路", "天母東路"),
                          25.0930, 121.5250),
            Neighbourhood("萬華", "萬華區",
                          ("西園路一段", "康定路", "和平西路三段"),
                          25.0350, 121.4990),
            Neighbourhood("內湖", "內湖區",
                          ("內湖路一段", "成功路四段", "瑞光路"),
                          25.0830, 121.5890),
            Neighbourhood("松山", "松山區",
                          ("八德路四段", "民生東路五段", "光復北路"),
                          25.0500, 121.5770),
            Neighbourhood("文山", "文山區",
                          ("木柵路一段", "興隆路二段", "羅斯福路六段"),
                          24.9890, 121.5700),
            Neighbourhood("北投", "北投區",
                          ("中央北路一段", "光明路", "石牌路二段"),
                          25.1320, 121.5010),
        ),
        phone_plans=(_TW_MOBILE,),
        names=_TAIWAN_NAMES,
        spoken=("zh-hant",),
        extra_spoken=(("en", 0.2),),
        other_languages=(("en", 0.05),),
        english_shop_names=0.1,
        currency="TWD",
    ),
    City(
        slug="hong-kong",
        name="香港",
        name_en="Hong Kong",
        time_zone="Asia/Hong_Kong",
        language="zh-hant",
        latitude=22.2819,
        longitude=114.1580,
        weight=15,
        address_style=AddressStyle.HONG_KONG,
        neighbourhoods=(
            Neighbourhood("中環", "香港", ("皇后大道中", "德輔道中", "士丹利街"),
                          22.2819, 114.1580),
            Neighbourhood("灣仔", "香港", ("軒尼詩道", "莊士敦道", "謝斐道"),
                          22.2770, 114.1730),
            Neighbourhood("銅鑼灣", "香港", ("怡和街", "禮頓道", "高士威道"),
                          22.2800, 114.1840),
            Neighbourhood("西營盤", "香港", ("第三街", "正街", "德輔道西"),
                          22.2860, 114.1430),
            Neighbourhood("鰂魚涌", "香港", ("英皇道", "海光街", "太古城道"),
                          22.2880, 114.2130),
            Neighbourhood("尖沙咀", "九龍", ("彌敦道", "廣東道", "金巴利道"),
                          22.2976, 114.1722),
            Neighbourhood("旺角", "九龍", ("彌敦道", "西洋菜南街", "亞皆老街"),
                          22.3193, 114.1694),
            Neighbourhood("九龍城", "九龍", ("衙前圍道", "太子道西", "侯王道"),
                          22.3282, 114.1916),
            Neighbourhood("觀塘", "九龍", ("觀塘道", "開源道", "協和街"),
                          22.3120, 114.2250),
            Neighbourhood("沙田", "新界", ("沙田正街", "大涌橋路", "源禾路"),
                          22.3820, 114.1880),
        ),
        phone_plans=(_HK_MOBILE,),
        names=_HONG_KONG_NAMES,
        spoken=("zh-hant",),
        extra_spoken=(("en", 0.7),),
        other_languages=(("en", 0.3),),
        english_shop_names=0.35,
        currency="HKD",
        hong_kong_words=True,
    ),
    City(
        slug="san-francisco",
        name="San Francisco",
        name_en="San Francisco",
        time_zone="America/Los_Angeles",
        language="en",
        latitude=37.7749,
        longitude=-122.4194,
        weight=18,
        address_style=AddressStyle.US,
        neighbourhoods=tuple(
            Neighbourhood(name, "San Francisco, CA", streets, lat, lng)
            for name, streets, lat, lng in (
                ("Mission District", ("Valencia St", "Guerrero St", "24th St"),
                 37.7599, -122.4148),
                ("SoMa", ("Folsom St", "Howard St", "Townsend St"), 37.7785, -122.4056),
                ("Nob Hill", ("Sacramento St", "Jones St", "Clay St"),
                 37.7930, -122.4161),
                ("Noe Valley", ("Church St", "Sanchez St", "Diamond St"),
                 37.7502, -122.4337),
                ("Inner Sunset", ("Irving St", "Judah St", "9th Ave"),
                 37.7620, -122.4660),
                ("Richmond District", ("Clement St", "Geary Blvd", "Balboa St"),
                 37.7800, -122.4830),
                ("Pacific Heights", ("Fillmore St", "Jackson St", "Washington St"),
                 37.7925, -122.4382),
                ("Castro", ("Castro St", "Collingwood St", "Noe St"),
                 37.7609, -122.4350),
                ("Bernal Heights", ("Cortland Ave", "Precita Ave", "Andover St"),
                 37.7390, -122.4156),
                ("Potrero Hill", ("18th St", "Connecticut St", "Arkansas St"),
                 37.7605, -122.4009),
            )
        ),
        phone_plans=_us_plans(_SF_AREA_CODES),
        names=_US_NAMES,
        spoken=("en",),
        extra_spoken=(("es", 0.15), ("zh-hant", 0.05)),
        other_languages=(("zh-hant", 0.05), ("zh-hans", 0.03)),
    ),
    City(
        slug="new-york",
        name="New York",
        name_en="New York",
        time_zone="America/New_York",
        language="en",
        latitude=40.7128,
        longitude=-74.0060,
        weight=17,
        address_style=AddressStyle.US,
        neighbourhoods=tuple(
            Neighbourhood(name, locality, streets, lat, lng)
            for name, locality, streets, lat, lng in (
                ("Upper West Side", "New York, NY",
                 ("W 86th St", "Amsterdam Ave", "Columbus Ave"), 40.7870, -73.9754),
                ("Upper East Side", "New York, NY",
                 ("E 79th St", "Lexington Ave", "York Ave"), 40.7736, -73.9566),
                ("Chelsea", "New York, NY", ("W 23rd St", "9th Ave", "W 19th St"),
                 40.7465, -74.0014),
                ("Greenwich Village", "New York, NY",
                 ("Bleecker St", "Bank St", "Perry St"), 40.7336, -74.0027),
                ("Harlem", "New York, NY",
                 ("Lenox Ave", "W 125th St", "Frederick Douglass Blvd"),
                 40.8116, -73.9465),
                ("Lower East Side", "New York, NY",
                 ("Orchard St", "Ludlow St", "Delancey St"), 40.7150, -73.9843),
                ("Williamsburg", "Brooklyn, NY",
                 ("Bedford Ave", "Grand St", "Berry St"), 40.7081, -73.9571),
                ("Park Slope", "Brooklyn, NY", ("7th Ave", "5th Ave", "Union St"),
                 40.6710, -73.9814),
                ("Astoria", "Astoria, NY", ("31st St", "Ditmars Blvd", "Steinway St"),
                 40.7644, -73.9235),
                ("Long Island City", "Long Island City, NY",
                 ("Jackson Ave", "Vernon Blvd", "44th Dr"), 40.7447, -73.9485),
            )
        ),
        phone_plans=_us_plans(_NY_AREA_CODES),
        names=_US_NAMES,
        spoken=("en",),
        extra_spoken=(("es", 0.15), ("zh-hans", 0.05)),
        other_languages=(("zh-hans", 0.03),),
    ),
)
# fmt: on

CITIES_BY_SLUG: dict[str, City] = {city.slug: city for city in CITIES}


# --- Words for names, bios and addresses -------------------------------------------

# fmt: off
HONORIFICS: dict[str, dict[Honorific, str]] = {
    "shanghai": {Honorific.MASTER: "师傅", Honorific.AUNTIE: "阿姨",
                 Honorific.TEACHER: "老师"},
    "taipei": {Honorific.MASTER: "師傅", Honorific.AUNTIE: "阿姨",
               Honorific.TEACHER: "老師"},
    "hong-kong": {Honorific.MASTER: "師傅", Honorific.AUNTIE: "姐",
                  Honorific.TEACHER: "老師"},
}
# fmt: on

# Shop names. Placeholders: {surname} {given} {full} (written name), {title}
# (师傅/阿姨/老师), {first} {last} {roman} (romanised), {place}, {trade}.
ZH_SHOP_NAMES: dict[Honorific, tuple[str, ...]] = {
    Honorific.MASTER: ("{surname}{title}{trade}", "{full}{trade}", "{place}{trade}"),
    Honorific.AUNTIE: ("{surname}{title}{trade}", "{full}{trade}"),
    Honorific.TEACHER: ("{surname}{title}{trade}", "{full}{trade}"),
    Honorific.STUDIO: ("{given}{trade}工作室", "{full}{trade}"),
    Honorific.PLAIN: ("{full}{trade}", "{place}{trade}"),
}
EN_SHOP_NAMES: dict[Honorific, tuple[str, ...]] = {
    Honorific.MASTER: ("{last} {trade}", "{place} {trade}", "{first}'s {trade}"),
    Honorific.AUNTIE: ("{first}'s {trade}", "{first} {last} {trade}"),
    Honorific.TEACHER: ("{trade} with {first}", "{first} {last} {trade}"),
    Honorific.STUDIO: ("{first} {last} {trade}", "{place} {trade}"),
    Honorific.PLAIN: ("{first}'s {trade}", "{place} {trade}"),
}
# Chinese-speaking providers with an English shop name: "Li Na Home Cleaning".
ROMANISED_SHOP_NAMES: tuple[str, ...] = ("{roman} {trade}",)

# Each bio opens with the first sentence, then adds two of the others.
BIO_OPENINGS: dict[str, tuple[str, ...]] = {
    "zh-hans": (
        "从事{trade}{years}年，常驻{place}，{radius}公里内都可以上门。",
        "做{trade}已经{years}年了，主要接{place}附近的单，{radius}公里内上门。",
    ),
    "zh-hant": (
        "從事{trade}{years}年，主要在{place}一帶服務，{radius}公里內都可以上門。",
        "做{trade}已經{years}年，{place}附近的案子優先，{radius}公里內上門。",
    ),
    "en": (
        "{years} years of {trade} experience, based in {place} and happy to travel "
        "up to {miles} miles.",
        "I've been doing {trade} around {place} for {years} years and cover about "
        "{miles} miles from there.",
    ),
}
BIO_SENTENCES: dict[str, tuple[str, ...]] = {
    "zh-hans": (
        "准时到、活干细、收费透明，做完您验收满意再结账。",
        "自带专业工具和耗材，服务前会先跟您确认需求。",
        "有健康证，很多都是回头客。",
        "周末和晚上也可以预约，临时需求请提前两小时下单。",
        "家里有宠物也没关系，进门戴鞋套。",
        "价格按平台标准，不额外加价。",
    ),
    "zh-hant": (
        "準時到、做事細心、收費透明，完成後請您驗收滿意再付款。",
        "自備專業工具和耗材，服務前會先和您確認需求。",
        "持有健康證明，很多都是回頭客。",
        "週末及晚上也可預約，臨時需要請提前兩小時下單。",
        "家中有寵物也沒問題，進門會穿鞋套。",
        "價格依平台標準，不會另外加價。",
    ),
    "en": (
        "I show up on time, bring my own supplies and don't leave until you're happy.",
        "Evenings and weekends available; same-day bookings when my calendar allows.",
        "Pet-friendly, and fine with keys left with the doorman.",
        "Transparent pricing, no surprise fees: what we agree is what you pay.",
        "Lots of repeat clients in the neighborhood; references on request.",
        "Shoe covers on, always, and I clean up after myself.",
    ),
}

ADDRESS_LABELS: dict[str, tuple[str, ...]] = {
    "zh-hans": ("家", "公司", "父母家"),
    "zh-hant": ("家", "公司", "爸媽家"),
    "en": ("Home", "Office", "Mom's place"),
}


# The demo provider login runs a small cleaning agency near 静安寺.
DEMO_PROVIDER_BIO = (
    "做家政八年，团队六位阿姨都有健康证，常驻静安寺，10公里内都可以上门。"
    "日常保洁、深度清洁、开荒保洁都能做，做完您验收满意再结账。"
)


# --- Agencies -----------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    city: str
    name: str
    category: str
    staff: int  # staff rows, the owner (as manager) included
    owned_by_demo_provider: bool = False


# fmt: off
AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("shanghai", "安心到家家政服务", "standard-cleaning", 6,
               owned_by_demo_provider=True),
    AgencySpec("taipei", "好厝邊居家清潔", "deep-cleaning", 5),
    AgencySpec("hong-kong", "匠心冷氣工程", "aircon-repair", 4),
    AgencySpec("san-francisco", "Golden Gate Handyman Co.", "furniture-assembly", 4),
    AgencySpec("new-york", "Brooklyn Bright Cleaning", "standard-cleaning", 8),
)
# fmt: on


# --- Category terms: service standards, warranties, commission ---------------------


@dataclass(frozen=True)
class CategoryTerms:
    """What a customer can count on in a category, and the platform's share."""

    standard_en: str
    standard_zh_hans: str
    standard_zh_hant: str
    warranty_days: int
    commission_bps: int


# Per root; a leaf takes its root's terms unless it has its own below.
ROOT_TERMS: dict[str, CategoryTerms] = {
    "home-cleaning": CategoryTerms(
        "Vetted cleaner with their own tools and supplies; kitchen, bathroom, floors "
        "and dusting by a checklist; shoe covers on; anything missed is cleaned "
        "again free within 24 hours.",
        "保洁员经过背景审核，自带工具和清洁剂；按清单清洁厨房、卫生间、地面并除尘；"
        "进门穿鞋套；24小时内如有遗漏免费返工。",
        "清潔人員皆經背景審核，自備工具與清潔劑；依清單清潔廚房、浴室、地板並除塵；"
        "進門穿鞋套；24小時內如有遺漏免費重做。",
        1,
        2000,
    ),
    "repairs": CategoryTerms(
        "Licensed tradesperson; a fixed call-out price agreed before work starts; "
        "parts shown and explained; tidy work area; 30-day warranty on the repair.",
        "持证师傅上门；开工前确认一口价；更换配件当面展示说明；完工清理现场；维修保修30天。",
        "持證師傅上門；施工前確認報價；更換零件當面說明；完工清理現場；維修保固30天。",
        30,
        1500,
    ),
    "beauty-wellness": CategoryTerms(
        "Certified beautician or therapist; tools sterilised for every client; "
        "disposable towels and files; free touch-up within 3 days.",
        "技师持证上岗；工具一客一消毒；一次性毛巾和锉条；3天内免费补修。",
        "美容師、按摩師持證服務；工具一客一消毒；一次性毛巾與銼刀；3天內免費補修。",
        3,
        2500,
    ),
    "tutoring": CategoryTerms(
        "Tutor's identity and qualifications checked; a lesson plan agreed at the "
        "first lesson; a short progress note after every lesson.",
        "老师身份和学历已核验；首课确定学习计划；每节课后提供简短学习反馈。",
        "老師身分與學歷已查核；首堂課確認學習計畫；每堂課後提供簡短學習回饋。",
        0,
        1500,
    ),
    "pet-care": CategoryTerms(
        "Background-checked pet carer; photo or video update at every visit; the "
        "pet's routine, food and medication as you set them.",
        "宠物照护员经过背景审核；每次服务发照片或视频；按您的要求喂食、喂药。",
        "寵物照顧員皆經背景審核；每次服務傳照片或影片；依您的要求餵食、餵藥。",
        0,
        2000,
    ),
    "photography": CategoryTerms(
        "Professional camera and lighting; edited photos delivered online within "
        "7 days; you keep the rights for personal use.",
        "专业相机和灯光；7天内线上交付精修照片；个人用途版权归您。",
        "專業相機與燈光；7天內線上交付修圖照片；個人用途版權歸您。",
        0,
        1800,
    ),
    "moving-delivery": CategoryTerms(
        "Price agreed before loading; furniture wrapped and protected; items "
        "checked together on arrival; damage covered up to the platform limit.",
        "装车前确认价格；家具包裹保护；到达后当面清点；如有损坏按平台标准赔付。",
        "裝車前確認價格；家具包覆保護；抵達後當面清點；如有損壞依平台標準賠償。",
        0,
        1200,
    ),
    "elderly-child-care": CategoryTerms(
        "Carer's identity, health certificate and background checked; first-aid "
        "trained; a short report after every visit.",
        "护理人员身份、健康证和背景均已审核；接受过急救培训；每次服务后提供简要记录。",
        "照顧人員身分、健康證明與背景皆已查核；受過急救訓練；每次服務後提供簡要紀錄。",
        0,
        1000,
    ),
}

LEAF_TERMS: dict[str, CategoryTerms] = {
    "aircon-repair": CategoryTerms(
        "Licensed HVAC technician; indoor unit cleaned with protective cover and "
        "drain bag; refrigerant pressure checked; 90-day warranty on repairs.",
        "持证空调师傅；清洗时套防水罩和接水袋；检测冷媒压力；维修保修90天。",
        "持證冷氣師傅；清洗時使用防水罩與集水袋；檢測冷媒壓力；維修保固90天。",
        90,
        1500,
    ),
    "plumbing": CategoryTerms(
        "Licensed plumber; water shut off and floor protected before work; leak "
        "test after every repair; 90-day warranty.",
        "持证水管师傅；施工前关水并铺设防护；维修后做漏水测试；保修90天。",
        "持證水電師傅；施工前關水並鋪設防護；維修後做漏水測試；保固90天。",
        90,
        1500,
    ),
    "electrical": CategoryTerms(
        "Qualified electrician; power isolated and tested before work; materials "
        "to national standard; 90-day warranty.",
        "持证电工；施工前断电验电；使用国标材料；保修90天。",
        "合格電工；施工前斷電驗電；使用符合國家標準的材料；保固90天。",
        90,
        1500,
    ),
    "furniture-assembly": CategoryTerms(
        "Assembled to the maker's instructions, wall fixings where needed, "
        "packaging taken away; 7-day warranty on the assembly.",
        "按说明书组装，需要时固定到墙上，包装垃圾带走；安装保修7天。",
        "依說明書組裝，必要時固定於牆面，包裝材料帶走；組裝保固7天。",
        7,
        1500,
    ),
}


# --- Listings ------------------------------------------------------------------------

# Typical prices in major units, one per market: (CNY, TWD, HKD, USD). Builders jitter
# them per listing and round to prices people actually charge.
MarketPrices = tuple[int, int, int, int]
MARKETS = ("CNY", "TWD", "HKD", "USD")


@dataclass(frozen=True)
class OfferSpec:
    """A service a provider of a category typically lists."""

    category: str
    pricing: str  # "fixed", "hourly" (price per hour) or "quote"
    title_en: str
    title_zh_hans: str
    title_zh_hant: str
    prices: MarketPrices | None
    duration_minutes: int
    min_hours: int = 1
    title_zh_hk: str = ""  # where Hong Kong says it differently


@dataclass(frozen=True)
class AddOnSpec:
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    prices: MarketPrices
    extra_minutes: int = 0


F, H, Q = "fixed", "hourly", "quote"

OFFERS: tuple[OfferSpec, ...] = (
    # Home cleaning
    OfferSpec(
        "standard-cleaning",
        H,
        "Regular home cleaning",
        "家庭日常保洁",
        "居家清潔（鐘點）",
        (45, 600, 130, 40),
        180,
        3,
        "家居清潔（鐘點）",
    ),
    OfferSpec(
        "standard-cleaning",
        F,
        "Home cleaning, 3 hours",
        "家庭日常保洁 3小时",
        "居家清潔 3小時",
        (139, 1800, 390, 120),
        180,
        1,
        "家居清潔 3小時",
    ),
    OfferSpec(
        "deep-cleaning",
        F,
        "Deep cleaning, 2-bedroom apartment",
        "全屋深度保洁（两居室）",
        "全室深層清潔（兩房）",
        (499, 5500, 1480, 320),
        360,
        1,
        "全屋深層清潔（兩房單位）",
    ),
    OfferSpec(
        "deep-cleaning",
        F,
        "Kitchen deep clean & degreasing",
        "厨房深度清洁去油污",
        "廚房深層清潔除油",
        (299, 3200, 880, 180),
        240,
    ),
    OfferSpec(
        "move-cleaning",
        Q,
        "Post-renovation cleaning",
        "新房开荒保洁",
        "裝修後細清",
        None,
        480,
        1,
        "裝修後清潔",
    ),
    OfferSpec(
        "move-cleaning",
        F,
        "Move-out cleaning, studio or 1-bedroom",
        "退租保洁（一居室）",
        "退租清潔（套房／一房）",
        (399, 4500, 1280, 260),
        300,
        1,
        "退租清潔（開放式／一房）",
    ),
    OfferSpec(
        "window-cleaning",
        F,
        "Window cleaning, whole apartment",
        "全屋擦玻璃",
        "全戶窗戶清潔",
        (199, 2500, 680, 150),
        180,
        1,
        "全屋抹窗",
    ),
    OfferSpec(
        "window-cleaning",
        H,
        "Window & balcony glass cleaning",
        "擦窗户阳台玻璃（按小时）",
        "窗戶與陽台玻璃清潔（按小時）",
        (60, 800, 200, 55),
        120,
        2,
    ),
    OfferSpec(
        "sofa-carpet-cleaning",
        F,
        "Fabric sofa deep clean (3-seater)",
        "布艺沙发深度清洗（三人位）",
        "布沙發深層清洗（三人座）",
        (260, 2800, 780, 160),
        120,
    ),
    OfferSpec(
        "sofa-carpet-cleaning",
        F,
        "Mattress deep clean & dust-mite removal",
        "床垫深度清洗除螨",
        "床墊深層清洗除蟎",
        (199, 2200, 650, 130),
        90,
    ),
    # Repairs & installation
    OfferSpec(
        "aircon-repair",
        F,
        "Split air-conditioner cleaning",
        "挂机空调深度清洗",
        "冷氣清洗（分離式）",
        (120, 2000, 550, 140),
        90,
        1,
        "冷氣清洗（分體式）",
    ),
    OfferSpec(
        "aircon-repair",
        Q,
        "Air-conditioner diagnosis & repair",
        "空调故障检测维修",
        "冷氣故障檢修",
        None,
        120,
        1,
        "冷氣維修及檢查",
    ),
    OfferSpec(
        "aircon-repair",
        F,
        "Refrigerant top-up",
        "空调加氟",
        "冷氣補充冷媒",
        (180, 2500, 680, 180),
        60,
        1,
        "冷氣加雪種",
    ),
    OfferSpec(
        "plumbing",
        F,
        "Blocked drain or toilet unblocking",
        "下水道马桶疏通",
        "通水管、馬桶疏通",
        (150, 1800, 600, 175),
        60,
        1,
        "通渠（去水位／座廁）",
    ),
    OfferSpec(
        "plumbing",
        Q,
        "Leak detection & pipe repair",
        "漏水检测与水管维修",
        "漏水檢測及水管維修",
        None,
        120,
        1,
        "查漏水及水喉維修",
    ),
    OfferSpec(
        "plumbing",
        F,
        "Tap or shower head replacement",
        "水龙头、花洒更换",
        "水龍頭、蓮蓬頭更換",
        (80, 1200, 450, 120),
        60,
        1,
        "水龍頭、花灑更換",
    ),
    OfferSpec(
        "electrical",
        F,
        "Socket or switch replacement",
        "插座开关更换",
        "插座開關更換",
        (60, 1000, 400, 110),
        45,
        1,
        "更換插座、開關掣",
    ),
    OfferSpec(
        "electrical",
        H,
        "Electrical fault finding",
        "电路故障排查（按小时）",
        "電路故障檢修（按小時）",
        (120, 1200, 450, 110),
        60,
    ),
    OfferSpec(
        "electrical",
        F,
        "Ceiling light installation",
        "吸顶灯安装",
        "吸頂燈安裝",
        (80, 1200, 380, 130),
        60,
    ),
    OfferSpec(
        "appliance-repair",
        Q,
        "Washing machine repair",
        "洗衣机上门维修",
        "洗衣機到府維修",
        None,
        90,
        1,
        "洗衣機上門維修",
    ),
    OfferSpec(
        "appliance-repair",
        F,
        "Fridge diagnosis visit",
        "冰箱故障上门检测",
        "冰箱故障到府檢測",
        (50, 800, 300, 89),
        45,
        1,
        "雪櫃故障上門檢查",
    ),
    OfferSpec(
        "furniture-assembly",
        H,
        "Flat-pack furniture assembly",
        "板式家具组装（按小时）",
        "組合家具安裝（按小時）",
        (80, 900, 280, 65),
        120,
        2,
    ),
    OfferSpec(
        "furniture-assembly",
        F,
        "TV wall mounting",
        "电视挂架安装",
        "電視壁掛安裝",
        (150, 1800, 550, 150),
        90,
        1,
        "電視掛牆安裝",
    ),
    # Beauty & wellness
    OfferSpec(
        "manicure",
        F,
        "Gel manicure at home",
        "上门光疗美甲",
        "到府凝膠美甲",
        (168, 1200, 380, 65),
        90,
        1,
        "上門 Gel 甲",
    ),
    OfferSpec(
        "manicure",
        F,
        "Classic manicure & pedicure",
        "基础修甲＋足部护理",
        "基礎手足保養",
        (198, 1500, 450, 85),
        120,
    ),
    OfferSpec(
        "massage",
        H,
        "Relaxing massage at home",
        "上门推拿按摩",
        "到府按摩",
        (198, 1600, 480, 120),
        60,
        1,
        "上門按摩",
    ),
    OfferSpec(
        "massage",
        F,
        "Deep-tissue massage, 90 minutes",
        "深层肌肉放松按摩 90分钟",
        "深層肌肉按摩 90分鐘",
        (298, 2400, 720, 170),
        90,
    ),
    OfferSpec(
        "hair",
        F,
        "Haircut at home",
        "上门剪发",
        "到府剪髮",
        (88, 800, 280, 60),
        45,
        1,
        "上門剪髮",
    ),
    OfferSpec(
        "hair",
        F,
        "Colour & blow-dry",
        "染发＋吹造型",
        "染髮加吹整",
        (398, 2800, 880, 160),
        150,
    ),
    OfferSpec(
        "make-up",
        F,
        "Bridal make-up with trial",
        "新娘跟妆（含试妆）",
        "新娘秘書（含試妝）",
        (1980, 15000, 3800, 650),
        240,
        1,
        "新娘化妝（包試妝）",
    ),
    OfferSpec(
        "make-up", F, "Event make-up", "活动妆容", "活動妝容", (398, 2500, 780, 150), 60
    ),
    # Tutoring & lessons
    OfferSpec(
        "maths",
        H,
        "Maths tutoring, primary & middle school",
        "小学初中数学辅导",
        "國小國中數學家教",
        (200, 800, 350, 60),
        120,
        2,
        "小學中學數學補習",
    ),
    OfferSpec(
        "maths",
        H,
        "High-school maths & exam prep",
        "高中数学 高考冲刺",
        "高中數學 學測衝刺",
        (300, 1200, 500, 80),
        120,
        2,
        "DSE 數學補習",
    ),
    OfferSpec(
        "english",
        H,
        "Spoken English for kids",
        "少儿英语口语",
        "兒童英文會話",
        (250, 900, 400, 55),
        60,
    ),
    OfferSpec(
        "english",
        H,
        "IELTS / TOEFL preparation",
        "雅思托福备考",
        "雅思托福備考",
        (350, 1200, 550, 85),
        120,
        2,
    ),
    OfferSpec(
        "piano",
        H,
        "Piano lessons at home",
        "上门钢琴课",
        "到府鋼琴課",
        (300, 1000, 450, 75),
        60,
        1,
        "上門鋼琴課",
    ),
    OfferSpec(
        "piano",
        F,
        "Piano lessons, 4 × 45 minutes",
        "钢琴课 4节×45分钟",
        "鋼琴課 4堂×45分鐘",
        (880, 3200, 1400, 240),
        45,
    ),
    OfferSpec(
        "coding",
        H,
        "Scratch coding for ages 7–10",
        "Scratch 少儿编程（7–10岁）",
        "Scratch 兒童程式（7–10歲）",
        (220, 900, 380, 60),
        60,
    ),
    OfferSpec(
        "coding",
        H,
        "Python for teens",
        "青少年 Python 编程",
        "青少年 Python 程式設計",
        (280, 1100, 450, 75),
        120,
        2,
    ),
    # Pet care
    OfferSpec(
        "dog-walking",
        F,
        "30-minute dog walk",
        "上门遛狗 30分钟",
        "遛狗 30分鐘",
        (40, 350, 120, 25),
        30,
    ),
    OfferSpec(
        "dog-walking",
        F,
        "60-minute dog walk with photos",
        "遛狗 60分钟（含照片反馈）",
        "遛狗 60分鐘（附照片回報）",
        (70, 550, 200, 40),
        60,
    ),
    OfferSpec(
        "pet-sitting",
        F,
        "Cat-sitting home visit",
        "上门喂猫（每次）",
        "到府餵貓（每次）",
        (60, 500, 180, 30),
        30,
        1,
        "上門餵貓（每次）",
    ),
    OfferSpec(
        "pet-sitting",
        F,
        "Overnight pet sitting",
        "宠物过夜看护",
        "寵物過夜照顧",
        (260, 1800, 600, 120),
        720,
    ),
    OfferSpec(
        "pet-grooming",
        F,
        "Small dog bath & trim",
        "小型犬洗澡美容",
        "小型犬洗澡美容",
        (128, 1200, 420, 75),
        90,
    ),
    OfferSpec(
        "pet-grooming",
        F,
        "Cat bath & nail trim",
        "猫咪洗护＋剪指甲",
        "貓咪洗澡＋剪指甲",
        (158, 1300, 450, 85),
        60,
    ),
    # Photography
    OfferSpec(
        "portrait-photography",
        F,
        "Family portrait session, 1 hour",
        "全家福拍摄 1小时",
        "全家福拍攝 1小時",
        (699, 4800, 1800, 300),
        60,
    ),
    OfferSpec(
        "portrait-photography",
        F,
        "Personal portraits, 20 edited photos",
        "个人写真（精修20张）",
        "個人寫真（精修20張）",
        (899, 5500, 2200, 350),
        120,
    ),
    OfferSpec(
        "event-photography",
        H,
        "Event photography",
        "活动跟拍（按小时）",
        "活動攝影（按小時）",
        (500, 3000, 1200, 200),
        120,
        2,
    ),
    OfferSpec(
        "event-photography",
        Q,
        "Small wedding, full day",
        "小型婚礼全天跟拍",
        "小型婚禮全天拍攝",
        None,
        600,
    ),
    OfferSpec(
        "product-photography",
        F,
        "Product photos, 10 items on white",
        "电商白底图 10款",
        "電商去背白底圖 10款",
        (500, 3500, 1500, 250),
        180,
    ),
    OfferSpec(
        "product-photography",
        Q,
        "Lifestyle product shoot",
        "商品场景图拍摄",
        "商品情境照拍攝",
        None,
        240,
    ),
    # Moving & delivery
    OfferSpec(
        "home-moving",
        Q,
        "Home move with a van and two movers",
        "居民搬家（一车两人）",
        "住家搬遷（一車兩人）",
        None,
        240,
        1,
        "搬屋（一車兩人）",
    ),
    OfferSpec(
        "home-moving",
        H,
        "Movers by the hour",
        "搬家师傅（按小时）",
        "搬家人力（按小時）",
        (150, 1200, 450, 120),
        120,
        2,
        "搬屋師傅（按小時）",
    ),
    OfferSpec(
        "small-moves",
        F,
        "Single item across town",
        "同城单件搬运",
        "市區單件搬運",
        (120, 1500, 450, 90),
        60,
    ),
    OfferSpec(
        "small-moves",
        F,
        "Up to 10 boxes, same day",
        "小件搬运 10箱以内 当天送达",
        "小搬家 10箱內 當天送達",
        (260, 2500, 800, 150),
        120,
    ),
    OfferSpec(
        "errands",
        H,
        "Errand running",
        "同城跑腿（按小时）",
        "跑腿代辦（按小時）",
        (50, 400, 150, 35),
        60,
    ),
    OfferSpec(
        "errands",
        F,
        "Queueing for you, up to 2 hours",
        "代排队（2小时以内）",
        "代排隊（2小時內）",
        (80, 600, 200, 50),
        120,
    ),
    OfferSpec(
        "junk-removal",
        Q,
        "Bulky waste removal",
        "大件垃圾清运",
        "大型廢棄物清運",
        None,
        120,
    ),
    OfferSpec(
        "junk-removal",
        F,
        "Old sofa or mattress removal",
        "旧沙发、床垫清运",
        "舊沙發、床墊清運",
        (150, 1500, 500, 120),
        60,
    ),
    # Elderly & child care
    OfferSpec(
        "babysitting",
        H,
        "Evening babysitting",
        "晚间临时看娃",
        "晚間臨時保母",
        (60, 350, 150, 25),
        180,
        3,
        "晚間臨時託管",
    ),
    OfferSpec(
        "babysitting",
        F,
        "School pick-up & homework help",
        "接送放学＋陪写作业",
        "接送放學＋陪寫功課",
        (150, 800, 300, 60),
        180,
    ),
    OfferSpec(
        "newborn-care",
        Q,
        "Live-in maternity nurse, 26 days",
        "住家月嫂 26天",
        "住家月嫂 26天",
        None,
        1440,
        1,
        "住家陪月 26天",
    ),
    OfferSpec(
        "newborn-care",
        H,
        "Newborn care by the hour",
        "新生儿护理（按小时）",
        "新生兒照護（按小時）",
        (80, 450, 180, 35),
        240,
        4,
    ),
    OfferSpec(
        "elderly-companion",
        H,
        "Companionship & light housework",
        "老人陪伴＋简单家务",
        "長者陪伴＋簡單家務",
        (50, 350, 130, 30),
        120,
        2,
    ),
    OfferSpec(
        "elderly-companion",
        F,
        "Half-day companionship with a meal",
        "半天陪护（含做一餐）",
        "半天陪伴（含備一餐）",
        (200, 1500, 520, 120),
        240,
    ),
    OfferSpec(
        "hospital-escort",
        F,
        "Hospital escort, half day",
        "陪诊半天",
        "陪同就醫半天",
        (200, 1200, 500, 120),
        240,
        1,
        "陪診半天",
    ),
    OfferSpec(
        "hospital-escort",
        F,
        "Hospital escort, full day",
        "陪诊全天",
        "陪同就醫全天",
        (350, 2000, 900, 220),
        480,
        1,
        "陪診全日",
    ),
)

ADD_ONS: dict[str, tuple[AddOnSpec, ...]] = {
    "home-cleaning": (
        AddOnSpec(
            "Inside the fridge", "冰箱内部清洁", "冰箱內部清潔", (40, 400, 120, 35), 30
        ),
        AddOnSpec(
            "Inside the oven", "烤箱内部清洁", "烤箱內部清潔", (50, 500, 150, 40), 30
        ),
        AddOnSpec("Balcony", "阳台清洁", "陽台清潔", (30, 300, 100, 30), 30),
        AddOnSpec("An extra hour", "加时1小时", "加時1小時", (45, 600, 130, 40), 60),
        AddOnSpec(
            "Eco-friendly products", "环保清洁剂", "環保清潔劑", (20, 200, 60, 15)
        ),
    ),
    "repairs": (
        AddOnSpec("Each extra unit", "每多一台", "每多一台", (100, 1500, 450, 100), 45),
        AddOnSpec(
            "Evening or weekend call-out",
            "夜间周末上门费",
            "夜間假日出勤費",
            (50, 500, 200, 75),
        ),
        AddOnSpec(
            "Take the old part away", "旧件带走处理", "舊件回收處理", (30, 300, 100, 25)
        ),
    ),
    "beauty-wellness": (
        AddOnSpec("Nail art", "美甲彩绘", "指甲彩繪", (50, 400, 120, 20), 20),
        AddOnSpec("Hot stones", "热石理疗", "熱石舒壓", (80, 600, 180, 30), 15),
        AddOnSpec("Hair treatment", "护发", "護髮", (100, 800, 250, 40), 20),
    ),
    "tutoring": (
        AddOnSpec(
            "Marked homework between lessons",
            "课后练习批改",
            "課後練習批改",
            (50, 200, 100, 15),
        ),
        AddOnSpec("Learning materials", "学习资料", "學習講義", (80, 300, 120, 20)),
    ),
    "pet-care": (
        AddOnSpec("Another pet", "多一只宠物", "多一隻寵物", (20, 150, 60, 10)),
        AddOnSpec(
            "Litter box deep clean",
            "猫砂盆深度清洁",
            "貓砂盆深層清潔",
            (20, 150, 60, 10),
            15,
        ),
        AddOnSpec("Medication", "喂药", "餵藥", (10, 100, 40, 8), 5),
    ),
    "photography": (
        AddOnSpec(
            "10 more edited photos", "加修10张", "加修10張", (200, 1500, 500, 80)
        ),
        AddOnSpec("Printed album", "实体相册", "實體相簿", (300, 2000, 800, 120)),
        AddOnSpec(
            "Photos within 48 hours",
            "48小时加急出片",
            "48小時急件",
            (150, 1000, 400, 60),
        ),
    ),
    "moving-delivery": (
        AddOnSpec("Packing materials", "打包材料", "打包材料", (60, 500, 150, 40)),
        AddOnSpec(
            "Stairs, no lift (per floor)",
            "无电梯楼层费（每层）",
            "無電梯樓層費（每層）",
            (20, 200, 50, 15),
            10,
        ),
        AddOnSpec(
            "Furniture taken apart and rebuilt",
            "家具拆装",
            "家具拆裝",
            (100, 800, 300, 60),
            60,
        ),
    ),
    "elderly-child-care": (
        AddOnSpec("Cook a meal", "做一餐饭", "準備一餐", (50, 300, 120, 25), 60),
        AddOnSpec("After 10 pm", "22点后加时", "22點後加時", (30, 200, 80, 15)),
    ),
}

# A closing line for listing descriptions, after the category's description.
LISTING_PROMISES: dict[str, tuple[str, ...]] = {
    "zh-hans": (
        "价格透明，完成后您验收满意再付款。",
        "可约周末和晚上，请提前一天预约。",
        "自带工具，服务前会电话确认需求。",
        "平台担保交易，有问题随时联系我。",
        "老客户多，欢迎先聊聊需求再下单。",
    ),
    "zh-hant": (
        "價格透明，完成後請您驗收滿意再付款。",
        "週末及晚上皆可預約，請提前一天預訂。",
        "自備工具，服務前會先電話確認需求。",
        "平台保障交易，有任何問題隨時聯絡我。",
        "很多回頭客，歡迎先聊聊需求再下單。",
    ),
    "en": (
        "Clear pricing: you only pay once you're happy with the work.",
        "Evenings and weekends available; please book a day ahead.",
        "I bring everything needed and confirm the details before I come.",
        "Payments are held by the platform until the job is done.",
        "Lots of repeat customers. Message me first if you're not sure.",
    ),
}


# --- The platform's own catalogue services (priced in CNY: the dispatch pilot runs
# in Shanghai) -------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueServiceSpec:
    category: str
    title_en: str
    title_zh_hans: str
    title_zh_hant: str
    price_cny: int  # major units
    duration_minutes: int


CATALOGUE_SERVICES: tuple[CatalogueServiceSpec, ...] = (
    CatalogueServiceSpec(
        "standard-cleaning",
        "Standard home cleaning, 3 hours",
        "日常保洁 3小时",
        "居家清潔 3小時",
        150,
        180,
    ),
    CatalogueServiceSpec(
        "deep-cleaning",
        "Deep cleaning, up to 90 m²",
        "深度保洁（90㎡以内）",
        "深層清潔（90㎡以內）",
        580,
        360,
    ),
    CatalogueServiceSpec(
        "aircon-repair",
        "Split air-conditioner clean",
        "挂机空调清洗",
        "分離式冷氣清洗",
        120,
        90,
    ),
    CatalogueServiceSpec(
        "plumbing",
        "Unblock a drain or toilet",
        "管道马桶疏通",
        "通水管、馬桶疏通",
        150,
        60,
    ),
    CatalogueServiceSpec("manicure", "Gel manicure", "光疗美甲", "凝膠美甲", 168, 90),
    CatalogueServiceSpec(
        "massage", "60-minute massage", "60分钟推拿", "60分鐘按摩", 198, 60
    ),
    CatalogueServiceSpec(
        "maths", "Maths tutoring, 2 hours", "数学辅导 2小时", "數學家教 2小時", 400, 120
    ),
    CatalogueServiceSpec(
        "english", "Trial English lesson", "英语试听课", "英文試聽課", 99, 60
    ),
    CatalogueServiceSpec(
        "dog-walking", "30-minute dog walk", "遛狗 30分钟", "遛狗 30分鐘", 40, 30
    ),
    CatalogueServiceSpec(
        "pet-sitting", "Cat-sitting visit", "上门喂猫", "到府餵貓", 60, 30
    ),
    CatalogueServiceSpec(
        "portrait-photography",
        "Family portrait, 1 hour",
        "全家福 1小时",
        "全家福 1小時",
        699,
        60,
    ),
    CatalogueServiceSpec(
        "product-photography",
        "10 product photos on white",
        "10款白底商品图",
        "10款白底商品圖",
        500,
        180,
    ),
    CatalogueServiceSpec(
        "small-moves",
        "Small move, one van",
        "小型搬家（一车）",
        "小搬家（一車）",
        450,
        180,
    ),
    CatalogueServiceSpec("errands", "Same-day errand", "同城跑腿", "跑腿代辦", 50, 60),
    CatalogueServiceSpec(
        "babysitting",
        "Evening babysitting, 3 hours",
        "晚间看娃 3小时",
        "晚間保母 3小時",
        180,
        180,
    ),
    CatalogueServiceSpec(
        "hospital-escort",
        "Hospital escort, half day",
        "陪诊半天",
        "陪同就醫半天",
        200,
        240,
    ),
)


# --- The demo's history: what people write -------------------------------------------
# Keyed by the writer's language; the stories pick by ``User.language``.

CUSTOMER_REVIEWS: dict[int, dict[str, tuple[str, ...]]] = {
    5: {
        "en": (
            "Arrived right on time and left the place spotless. Booking again.",
            "Friendly, careful and fast. Exactly what the listing promised.",
            "Fixed it in half an hour and explained what had gone wrong. Great value.",
            "Really thorough work, even the corners I always forget. Thank you!",
            "Polite, tidy and professional from start to finish.",
            "Best service I have booked here so far. Highly recommended.",
        ),
        "zh-hans": (
            "准时到达，打扫得非常干净，下次还约！",
            "师傅很专业，半小时就修好了，还讲解了原因。",
            "态度好，做事细致，连角落都清理到了。",
            "和描述完全一致，性价比很高，推荐。",
            "沟通顺畅，干活麻利，非常满意。",
            "第三次预约了，一如既往地靠谱。",
        ),
        "zh-hant": (
            "準時到達，打掃得非常乾淨，下次還會再約！",
            "師傅很專業，半小時就修好了，還解釋了原因。",
            "態度親切，做事細心，連角落都清乾淨了。",
            "和介紹完全一樣，價錢合理，推薦。",
            "溝通順暢，手腳俐落，非常滿意。",
            "第三次預約了，一樣很可靠。",
        ),
    },
    4: {
        "en": (
            "Good job overall, arrived ten minutes late but called ahead.",
            "Solid work. Could have brought more of their own supplies.",
            "Happy with the result, a little pricey for the time it took.",
        ),
        "zh-hans": (
            "整体不错，晚到了十分钟，但提前打了招呼。",
            "活干得挺好，就是自带工具少了点。",
            "效果满意，价格稍微有点高。",
        ),
        "zh-hant": (
            "整體不錯，晚到了十分鐘，但有先通知。",
            "做得很好，只是自備的工具少了一點。",
            "效果滿意，價錢稍微偏高。",
        ),
    },
    3: {
        "en": (
            "It was fine, but a couple of spots were missed.",
            "Okay service. Communication before the visit was slow.",
        ),
        "zh-hans": ("还可以，有几个地方没弄干净。", "服务一般，预约前回复比较慢。"),
        "zh-hant": ("還可以，有幾個地方沒弄乾淨。", "服務普通，預約前回覆比較慢。"),
    },
    2: {
        "en": ("Came late and rushed the job. Had to point out what was missing.",),
        "zh-hans": ("来晚了，而且干得很赶，很多地方需要我提醒。",),
        "zh-hant": ("遲到了，而且做得很趕，很多地方要我提醒。",),
    },
    1: {
        "en": ("Not what was promised. Ops sorted it out, but I won't rebook.",),
        "zh-hans": ("和描述不符，客服处理了，但不会再约了。",),
        "zh-hant": ("和介紹不符，客服有處理，但不會再約了。",),
    },
}
PROVIDER_REVIEWS_OF_CUSTOMERS: dict[str, tuple[str, ...]] = {
    "en": (
        "Clear instructions and ready on time. A pleasure to work for.",
        "Friendly customer, easy access to the building.",
        "Everything was prepared before I arrived. Thanks!",
    ),
    "zh-hans": (
        "客户很友善，提前准备好了，沟通清楚。",
        "准时在家，要求明确，合作愉快。",
    ),
    "zh-hant": (
        "客人很友善，事先準備好了，溝通清楚。",
        "準時在家，要求明確，合作愉快。",
    ),
}
PROVIDER_REPLIES: dict[str, tuple[str, ...]] = {
    "en": (
        "Thank you for the kind words, see you next time!",
        "Thanks for the feedback. Sorry about the delay, it won't happen again.",
    ),
    "zh-hans": (
        "谢谢您的好评，期待下次为您服务！",
        "感谢反馈，迟到的事很抱歉，以后会注意。",
    ),
    "zh-hant": (
        "謝謝您的好評，期待下次再為您服務！",
        "感謝回饋，遲到的事很抱歉，之後會注意。",
    ),
}
INQUIRIES: dict[str, tuple[str, ...]] = {
    "en": (
        "Hi! Do you bring your own supplies, or should I have them ready?",
        "Is parking needed, or can you come by subway?",
        "Could you do a two-bedroom flat in the time listed?",
    ),
    "zh-hans": (
        "您好，需要我准备工具吗？还是您自带？",
        "两室一厅大概要多久？",
        "周末可以上门吗？",
    ),
    "zh-hant": (
        "您好，需要我準備工具嗎？還是您自備？",
        "兩房一廳大概要多久？",
        "週末可以到府嗎？",
    ),
}
INQUIRY_ANSWERS: dict[str, tuple[str, ...]] = {
    "en": (
        "I bring everything I need. Just book a time that suits you.",
        "Yes, that fits in the time listed. Happy to help!",
    ),
    "zh-hans": (
        "工具我都自带，您直接预约合适的时间就行。",
        "可以的，时间足够，欢迎预约！",
    ),
    "zh-hant": (
        "工具我都會自備，您直接預約方便的時間就好。",
        "可以的，時間足夠，歡迎預約！",
    ),
}
CHAT_AFTER_BOOKING: dict[str, tuple[str, ...]] = {
    "en": (
        "Thanks for accepting! The building code is at the front desk.",
        "Please ring twice, the bell is a bit quiet.",
    ),
    "zh-hans": ("到了在门口按两下门铃就好，谢谢！", "小区门口登记一下就能进来。"),
    "zh-hant": ("到了按兩下門鈴就好，謝謝！", "大樓管理處登記一下就可以上來。"),
}
PROVIDER_CHAT: dict[str, tuple[str, ...]] = {
    "en": ("Noted, see you then!", "Thanks, I'll be there on time."),
    "zh-hans": ("收到，到时候见！", "好的，我会准时到。"),
    "zh-hant": ("收到，到時候見！", "好的，我會準時到。"),
}
DISPUTE_REASONS: dict[str, tuple[str, ...]] = {
    "en": ("The job was left half done and the provider did not come back.",),
    "zh-hans": ("活只做了一半，师傅也没有回来处理。",),
    "zh-hant": ("只做了一半，師傅也沒有回來處理。",),
}
