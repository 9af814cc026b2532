# ruff: noqa: E501 - prose, one paragraph a line, as Markdown reads it
"""A first version of the terms and the privacy policy for a services
marketplace, in the three languages, that an operator starts from (the ops page
offers it before anything is published; the demo publishes it). It is a
template to adapt with a lawyer, not legal advice."""

TERMS_EN = """\
These terms govern your use of the marketplace: the website, the apps and the API.
By creating an account you agree to them.

## 1. What we do
We connect people who need a service (customers) with independent professionals
who offer it (providers). We are not a party to the service itself: the contract
for the work is between the customer and the provider.

## 2. Your account
- You must be 18 or older and give true information.
- Keep your password and codes to yourself; you are responsible for what happens
  under your account.
- Ops staff may suspend an account that breaks these terms. You will be told why
  and can appeal.

## 3. Booking and paying
- Prices are shown with the service fee before you book. Your card is held when you
  book and charged when the job is done.
- Pay only through the marketplace. Paying a provider directly removes the payment
  protection and can get both accounts suspended.
- Cancellation fees follow the cancellation policy shown on the listing.

## 4. Providers
- Providers set their own prices and hours and must hold the licences and
  certificates their work requires. Documents we ask for are checked by our team.
- We pay out earnings after the customer confirms the job, minus our commission.
- No-shows, late cancellations and upheld complaints can lead to fines, restrictions
  or suspension under the standards policy.

## 5. Reviews and messages
Reviews must describe a real job honestly. Messages stay on the platform; contact
details are hidden until a booking is confirmed.

## 6. Liability
We are liable for our own negligence as the law requires and do not exclude what the
law does not let us exclude. We are not liable for the work a provider performs.

## 7. Changes
We may change these terms. For a material change we tell you in advance and ask you
to accept the new version before you carry on.

## 8. Contact
Questions: support, through the help link on every page.
"""

TERMS_ZH_HANS = """\
本条款适用于你对本平台（网站、应用和 API）的使用。创建账户即表示你同意本条款。

## 1. 我们做什么
我们为需要服务的人（客户）与提供服务的独立专业人士（服务者）牵线搭桥。我们不是服务本身的一方：
服务合同由客户与服务者之间订立。

## 2. 你的账户
- 你必须年满 18 周岁，并提供真实信息。
- 请妥善保管密码和验证码；账户下发生的行为由你负责。
- 对违反本条款的账户，运营人员可以暂停其使用。我们会告知原因，你可以申诉。

## 3. 预订与付款
- 预订前会显示含服务费的价格。预订时冻结你的银行卡款项，服务完成后扣款。
- 请只通过平台付款。私下直接付款将失去付款保障，双方账户都可能被暂停。
- 取消费用按服务页面所示的取消政策收取。

## 4. 服务者
- 服务者自行定价和安排时间，并须持有工作所需的执照和证书。我们要求的证件由团队审核。
- 客户确认服务完成后，我们扣除佣金并结算收入。
- 爽约、临时取消和成立的投诉可能按服务标准政策导致罚款、限制或暂停。

## 5. 评价与消息
评价必须如实描述真实的服务。消息留在平台内；预订确认前联系方式会被隐藏。

## 6. 责任
我们依法对自身过失承担责任，不排除法律不允许排除的责任。我们不对服务者提供的服务承担责任。

## 7. 变更
我们可能修改本条款。如有重大变更，我们会提前通知，并请你在继续使用前接受新版本。

## 8. 联系我们
如有疑问，请通过每个页面上的帮助链接联系客服。
"""

TERMS_ZH_HANT = """\
本條款適用於你對本平台（網站、應用程式和 API）的使用。建立帳戶即表示你同意本條款。

## 1. 我們做什麼
我們為需要服務的人（客戶）與提供服務的獨立專業人士（服務者）牽線。我們不是服務本身的一方：
服務合約由客戶與服務者之間訂立。

## 2. 你的帳戶
- 你必須年滿 18 歲，並提供真實資料。
- 請妥善保管密碼和驗證碼；帳戶下發生的行為由你負責。
- 對違反本條款的帳戶，營運人員可以暫停其使用。我們會告知原因，你可以申訴。

## 3. 預約與付款
- 預約前會顯示含服務費的價格。預約時預留你的信用卡款項，服務完成後扣款。
- 請只透過平台付款。私下直接付款將失去付款保障，雙方帳戶都可能被暫停。
- 取消費用依服務頁面所示的取消政策收取。

## 4. 服務者
- 服務者自行定價和安排時間，並須持有工作所需的執照和證書。我們要求的證件由團隊審核。
- 客戶確認服務完成後，我們扣除佣金並結算收入。
- 爽約、臨時取消和成立的投訴可能依服務標準政策導致罰款、限制或暫停。

## 5. 評價與訊息
評價必須如實描述真實的服務。訊息留在平台內；預約確認前聯絡方式會被隱藏。

## 6. 責任
我們依法對自身過失承擔責任，不排除法律不允許排除的責任。我們不對服務者提供的服務承擔責任。

## 7. 變更
我們可能修改本條款。如有重大變更，我們會事先通知，並請你在繼續使用前接受新版本。

## 8. 聯絡我們
如有疑問，請透過每個頁面上的說明連結聯絡客服。
"""

PRIVACY_EN = """\
This policy says what personal data we keep, why, and what you can do about it.

## What we collect
- **Account**: your name, e-mail address, phone number, photo, language and time zone.
- **Bookings**: the addresses you book at, notes for the provider, your orders,
  payments and receipts. Card numbers are held by our payment provider, never by us.
- **Providers**: your profile, service area, and the documents you submit for
  verification (kept privately, seen only by ops staff who need them).
- **Messages and reviews** you write, and the notifications we send you.
- **Security**: sign-in records and a hash of your IP address when you accept these
  policies.

## Why
To run bookings and payments, keep the marketplace safe (fraud and off-platform
payment checks), meet tax and accounting duties, and improve the service. We do not
sell your data.

## Who sees it
The other party of a booking sees what they need for the job (your name and, once it
is confirmed, the address). Payment and SMS providers process data on our behalf.

## How long
Account data until you close your account. Orders, payments and receipts are kept
as accounting law requires (usually 7 years); after you leave they no longer name you.

## Your rights
- **Download your data** from your account settings, as a machine-readable file.
- **Correct** your profile at any time.
- **Close your account**: we erase your name, contact details, photos, addresses and
  message texts, and keep only what the law and the ledger require, anonymised.

## Contact
Privacy questions: support, through the help link on every page.
"""

PRIVACY_ZH_HANS = """\
本政策说明我们保存哪些个人数据、原因，以及你可以如何处理。

## 我们收集什么
- **账户**：你的姓名、电子邮箱、手机号、照片、语言和时区。
- **预订**：你预订服务的地址、给服务者的备注、订单、付款和收据。银行卡号由支付服务商保存，我们从不保存。
- **服务者**：你的资料、服务范围，以及你为审核提交的证件（私密保存，仅需要的运营人员可以查看）。
- 你写的**消息和评价**，以及我们发给你的通知。
- **安全**：登录记录，以及你接受本政策时 IP 地址的哈希值。

## 为什么
用于处理预订和付款、保障平台安全（防欺诈和私下交易检查）、履行税务和会计义务，以及改进服务。我们不出售你的数据。

## 谁能看到
预订的另一方能看到完成服务所需的信息（你的姓名，以及预订确认后的地址）。支付和短信服务商代表我们处理数据。

## 保存多久
账户数据保存到你注销账户为止。订单、付款和收据按会计法规要求保存（通常 7 年）；你离开后，这些记录不再显示你的身份。

## 你的权利
- 在账户设置中**下载你的数据**（机器可读文件）。
- 随时**更正**你的资料。
- **注销账户**：我们会删除你的姓名、联系方式、照片、地址和消息内容，只匿名保留法律和账本要求的记录。

## 联系我们
隐私问题请通过每个页面上的帮助链接联系客服。
"""

PRIVACY_ZH_HANT = """\
本政策說明我們保存哪些個人資料、原因，以及你可以如何處理。

## 我們蒐集什麼
- **帳戶**：你的姓名、電子郵件、手機號碼、照片、語言和時區。
- **預約**：你預約服務的地址、給服務者的備註、訂單、付款和收據。信用卡號由金流服務商保存，我們從不保存。
- **服務者**：你的資料、服務範圍，以及你為審核提交的證件（私密保存，僅需要的營運人員可以查看）。
- 你寫的**訊息和評價**，以及我們發給你的通知。
- **安全**：登入紀錄，以及你接受本政策時 IP 位址的雜湊值。

## 為什麼
用於處理預約和付款、維護平台安全（防詐騙和私下交易檢查）、履行稅務和會計義務，以及改善服務。我們不出售你的資料。

## 誰能看到
預約的另一方能看到完成服務所需的資訊（你的姓名，以及預約確認後的地址）。金流和簡訊服務商代表我們處理資料。

## 保存多久
帳戶資料保存到你關閉帳戶為止。訂單、付款和收據依會計法規要求保存（通常 7 年）；你離開後，這些紀錄不再顯示你的身分。

## 你的權利
- 在帳戶設定中**下載你的資料**（機器可讀檔案）。
- 隨時**更正**你的資料。
- **關閉帳戶**：我們會刪除你的姓名、聯絡方式、照片、地址和訊息內容，只匿名保留法律和帳本要求的紀錄。

## 聯絡我們
隱私問題請透過每個頁面上的說明連結聯絡客服。
"""

STARTER_TEXT = {
    "terms": {
        "body_en": TERMS_EN,
        "body_zh_hans": TERMS_ZH_HANS,
        "body_zh_hant": TERMS_ZH_HANT,
        "summary_en": "First version.",
        "summary_zh_hans": "首个版本。",
        "summary_zh_hant": "首個版本。",
    },
    "privacy": {
        "body_en": PRIVACY_EN,
        "body_zh_hans": PRIVACY_ZH_HANS,
        "body_zh_hant": PRIVACY_ZH_HANT,
        "summary_en": "First version.",
        "summary_zh_hans": "首个版本。",
        "summary_zh_hant": "首個版本。",
    },
}
